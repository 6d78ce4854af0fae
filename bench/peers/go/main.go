// Command peer is the benchmarks' Go column: the shape a Go team writes with client-go
// (sample-controller style): informers feed a rate-limited work queue, workers run syncHandler,
// which creates the hook's Job and patches the hook's status.
//
// It prints "ready" on stdout once its caches have synced and exits 0 on SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig")
	namespace := flag.String("namespace", "default", "the hooks' namespace")
	nodeName := flag.String("node-name", "", "the node this controller acts for")
	allNodes := flag.Bool("all-nodes", false, "handle every hook, pinning each Job to spec.nodeName")
	workers := flag.Int("workers", 16, "reconciles at once")
	// client-go's default (5 requests/s, bursts of 10) would cap a burst at a handful of hooks per
	// second; controller-runtime raises it, and the operator has none. -1 turns it off.
	qps := flag.Float64("qps", -1, "client-side request rate limit; -1 for none")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "peer: kubeconfig: %v\n", err)
		os.Exit(1)
	}
	config.QPS = float32(*qps)
	config.Burst = 100
	config.UserAgent = "plexd-hook-go-peer"
	kube := kubernetes.NewForConfigOrDie(config)
	dyn := dynamic.NewForConfigOrDie(config)

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	c := newController(kube, dyn, *namespace, *nodeName, *allNodes)
	if err := c.Run(ctx, *workers, func() { fmt.Println("ready") }); err != nil {
		fmt.Fprintf(os.Stderr, "peer: %v\n", err)
		os.Exit(1)
	}
}
