package main

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var unsafeEnv = regexp.MustCompile(`[^A-Za-z0-9_]`)

// jobNameFor is plexdhook-<name>, shortened with a hash past 63 characters (as lib/core/names.ts).
func jobNameFor(name string) string {
	full := "plexdhook-" + name
	if len(full) <= 63 {
		return full
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimRight(full[:52], "-._") + "-" + hex.EncodeToString(sum[:])[:10]
}

const jobFinalizer = "plexd.plexsphere.com/outcome"

// buildJob makes the same Job as lib/core/build-job.ts for the fields the benchmarks use, so that
// the admission policy plexd-hook-jobs accepts it and the API server does the same work for both.
func buildJob(hook *unstructured.Unstructured, node string) *batchv1.Job {
	hookName, _, _ := unstructured.NestedString(hook.Object, "spec", "hookName")
	privileged, _, _ := unstructured.NestedBool(hook.Object, "spec", "privileged")
	image, _, _ := unstructured.NestedString(hook.Object, "spec", "jobTemplate", "image")
	if image == "" {
		image = "busybox:latest"
	}
	env := []corev1.EnvVar{{Name: "PLEXD_NODE_ID", Value: node}, {Name: "PLEXD_HOOK_NAME", Value: hookName}}
	params, _, _ := unstructured.NestedSlice(hook.Object, "spec", "parameters")
	for _, p := range params {
		m, _ := p.(map[string]interface{})
		name, _ := m["name"].(string)
		value, _ := m["value"].(string)
		env = append(env, corev1.EnvVar{Name: "PLEXD_PARAM_" + unsafeEnv.ReplaceAllString(strings.ToUpper(name), "_"), Value: value})
	}
	yes, no := true, false
	security := &corev1.SecurityContext{Privileged: &yes}
	if !privileged {
		security = &corev1.SecurityContext{
			ReadOnlyRootFilesystem:   &yes,
			AllowPrivilegeEscalation: &no,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		}
	}
	labels := map[string]string{
		labelManagedBy:                   "plexd",
		"plexd.plexsphere.com/hook-name": hookName,
		labelNode:                        node,
	}
	backoff := int32(0)
	deadline := int64(21600)
	notReadyFor := int64(300)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:      jobNameFor(hook.GetName()),
			Namespace: hook.GetNamespace(),
			Labels:    labels,
			// As the operator's: the Job stays until the hook's status holds its outcome (at most once).
			Finalizers: []string{jobFinalizer},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "plexd.plexsphere.com/v1alpha1", Kind: "PlexdHook", Name: hook.GetName(), UID: hook.GetUID(),
				Controller: &yes, BlockOwnerDeletion: &yes,
			}},
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:          &backoff,
			ActiveDeadlineSeconds: &deadline,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector:                 map[string]string{"kubernetes.io/hostname": node},
					ServiceAccountName:           "plexd",
					AutomountServiceAccountToken: &no,
					RestartPolicy:                corev1.RestartPolicyNever,
					Tolerations: []corev1.Toleration{
						{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &notReadyFor},
						{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &notReadyFor},
						{Operator: corev1.TolerationOpExists},
					},
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
							NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
								{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.NodeSelectorOpDoesNotExist},
							}}},
						},
					}},
					Containers: []corev1.Container{{
						Name: "hook", Image: image, Env: env, SecurityContext: security,
					}},
				},
			},
		},
	}
}
