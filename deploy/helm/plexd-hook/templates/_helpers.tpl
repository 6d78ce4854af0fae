{{/*
plexd-hook.move: points an object's namespace, and its subjects' namespaces (a FlowSchema's too), from the manifests'
namespace to .Values.namespace.name. Mutates .obj; prints nothing.
*/}}
{{- define "plexd-hook.move" -}}
{{- $from := .from -}}
{{- $to := .to -}}
{{- $meta := .obj.metadata -}}
{{- if eq (toString $meta.namespace) $from }}{{ $_ := set $meta "namespace" $to }}{{ end -}}
{{- if and (eq .obj.kind "Namespace") (eq $meta.name $from) }}{{ $_ := set $meta "name" $to }}{{ end -}}
{{- range .obj.subjects -}}
{{- if eq (toString .namespace) $from }}{{ $_ := set . "namespace" $to }}{{ end -}}
{{- end -}}
{{- if eq .obj.kind "FlowSchema" -}}
{{- range .obj.spec.rules -}}
{{- range .subjects -}}
{{- if and .serviceAccount (eq (toString .serviceAccount.namespace) $from) }}{{ $_ := set .serviceAccount "namespace" $to }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
plexd-hook.daemonset: applies the image, resources, placement, logging and health-port values to the
DaemonSet. Mutates .obj; prints nothing.
*/}}
{{- define "plexd-hook.daemonset" -}}
{{- $v := .values -}}
{{- $pod := .obj.spec.template.spec -}}
{{- $c := first $pod.containers -}}
{{- $_ := set $c "resources" $v.resources -}}
{{- if $v.nodeSelector }}{{ $_ = set $pod "nodeSelector" $v.nodeSelector }}{{ end -}}
{{- if $v.tolerations }}{{ $_ = set $pod "tolerations" $v.tolerations }}{{ else }}{{ $_ = unset $pod "tolerations" }}{{ end -}}
{{- include "plexd-hook.container" . -}}
{{- end -}}

{{/*
plexd-hook.fleet: applies the fleet values, and the image, logging and health-port values, to the fleet
controller's Deployment. Mutates .obj; prints nothing.
*/}}
{{- define "plexd-hook.fleet" -}}
{{- $v := .values -}}
{{- $pod := .obj.spec.template.spec -}}
{{- $_ := set .obj.spec "replicas" (int $v.fleet.replicas) -}}
{{- $_ = set (first $pod.containers) "resources" $v.fleet.resources -}}
{{- if $v.fleet.nodeSelector }}{{ $_ = set $pod "nodeSelector" $v.fleet.nodeSelector }}{{ end -}}
{{- include "plexd-hook.container" . -}}
{{- end -}}

{{/*
plexd-hook.container: the image, logging and health-port values on a workload's one container.
Mutates .obj; prints nothing.
*/}}
{{- define "plexd-hook.container" -}}
{{- $v := .values -}}
{{- $c := first .obj.spec.template.spec.containers -}}
{{- $_ := set $c "image" (printf "%s:%s" $v.image.repository (default .appVersion $v.image.tag)) -}}
{{- $_ = set $c "imagePullPolicy" $v.image.pullPolicy -}}
{{- $args := list -}}
{{- range $c.args -}}
{{- if hasPrefix "--health-addr=" . }}{{ $args = append $args (printf "--health-addr=:%d" (int $v.healthPort)) }}{{ else }}{{ $args = append $args . }}{{ end -}}
{{- end -}}
{{- if ne $v.logLevel "info" }}{{ $args = append $args (printf "--log-level=%s" $v.logLevel) }}{{ end -}}
{{- if ne $v.logFormat "json" }}{{ $args = append $args (printf "--log-format=%s" $v.logFormat) }}{{ end -}}
{{- $_ = set $c "args" $args -}}
{{- range $c.ports -}}
{{- if eq .name "http" }}{{ $_ = set . "containerPort" (int $v.healthPort) }}{{ end -}}
{{- end -}}
{{- end -}}

{{/* plexd-hook.wanted: "true" when the values keep this object in the release. */}}
{{- define "plexd-hook.wanted" -}}
{{- $v := .values -}}
{{- $kind := .obj.kind -}}
{{- $name := .obj.metadata.name -}}
{{- if eq $kind "Kustomization" -}}
{{- else if eq $kind "CustomResourceDefinition" }}{{ $v.crds.install }}
{{- else if eq $kind "Namespace" }}{{ $v.namespace.create }}
{{- else if and (hasPrefix "ValidatingAdmissionPolicy" $kind) (eq $name "plexd-hook-privileged") }}{{ $v.admissionPolicies.privilegedHooks }}
{{- else }}true
{{- end -}}
{{- end -}}
