package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

var hookGVR = schema.GroupVersionResource{Group: "plexd.plexsphere.com", Version: "v1alpha1", Resource: "plexdhooks"}

const (
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelNode      = "plexd.plexsphere.com/node"
	resync         = 5 * time.Minute
)

type controller struct {
	kube      kubernetes.Interface
	hooks     dynamic.NamespaceableResourceInterface
	namespace string
	nodeName  string
	allNodes  bool

	hookInformer cache.SharedIndexInformer
	jobLister    batchlisters.JobLister
	jobsSynced   cache.InformerSynced
	queue        workqueue.TypedRateLimitingInterface[string]
	start        func(<-chan struct{})
}

func newController(kube kubernetes.Interface, dyn dynamic.Interface, namespace, nodeName string, allNodes bool) *controller {
	hookSelector := func(o *metav1.ListOptions) {}
	jobSelector := func(o *metav1.ListOptions) { o.LabelSelector = labelManagedBy + "=plexd" }
	if !allNodes {
		hookSelector = func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName=" + nodeName }
		jobSelector = func(o *metav1.ListOptions) {
			o.LabelSelector = labelManagedBy + "=plexd," + labelNode + "=" + nodeName
		}
	}
	dynFactory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, resync, namespace, hookSelector)
	kubeFactory := informers.NewSharedInformerFactoryWithOptions(kube, resync,
		informers.WithNamespace(namespace), informers.WithTweakListOptions(jobSelector))
	jobInformer := kubeFactory.Batch().V1().Jobs()
	c := &controller{
		kube:         kube,
		hooks:        dyn.Resource(hookGVR),
		namespace:    namespace,
		nodeName:     nodeName,
		allNodes:     allNodes,
		hookInformer: dynFactory.ForResource(hookGVR).Informer(),
		jobLister:    jobInformer.Lister(),
		jobsSynced:   jobInformer.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "plexdhooks"}),
	}
	c.hookInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj interface{}) { c.enqueue(obj) },
	})
	jobInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: func(_, obj interface{}) { c.enqueueOwner(obj) },
	})
	c.start = func(stop <-chan struct{}) {
		dynFactory.Start(stop)
		kubeFactory.Start(stop)
	}
	return c
}

func (c *controller) enqueue(obj interface{}) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *controller) enqueueOwner(obj interface{}) {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	if owner := metav1.GetControllerOf(job); owner != nil && owner.Kind == "PlexdHook" {
		c.queue.Add(job.Namespace + "/" + owner.Name)
	}
}

// Run starts the informers, waits for their caches, calls ready, and runs workers until ctx ends.
func (c *controller) Run(ctx context.Context, workers int, ready func()) error {
	defer c.queue.ShutDown()
	c.start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.hookInformer.HasSynced, c.jobsSynced) {
		return fmt.Errorf("caches did not sync")
	}
	ready()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait.UntilWithContext(ctx, c.runWorker, time.Second)
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

func (c *controller) runWorker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.syncHandler(ctx, key); err != nil {
		if ctx.Err() != nil {
			return true
		}
		fmt.Fprintf(os.Stderr, "peer: sync %s: %v\n", key, err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// syncHandler converges one hook: create its Job if it has none, then write the status the Job implies.
func (c *controller) syncHandler(ctx context.Context, key string) error {
	obj, exists, err := c.hookInformer.GetIndexer().GetByKey(key)
	if err != nil || !exists {
		return err
	}
	hook := obj.(*unstructured.Unstructured)
	if hook.GetDeletionTimestamp() != nil {
		return nil
	}
	phase, _, _ := unstructured.NestedString(hook.Object, "status", "phase")
	if phase == "Succeeded" || phase == "Failed" {
		return c.release(ctx, hook)
	}
	node, _, _ := unstructured.NestedString(hook.Object, "spec", "nodeName")
	if node == "" {
		if c.allNodes {
			return nil
		}
		node = c.nodeName
	}
	jobName := jobNameFor(hook.GetName())
	job, err := c.jobLister.Jobs(hook.GetNamespace()).Get(jobName)
	if apierrors.IsNotFound(err) {
		job, err = c.kube.BatchV1().Jobs(hook.GetNamespace()).Create(ctx, buildJob(hook, node), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			job, err = c.kube.BatchV1().Jobs(hook.GetNamespace()).Get(ctx, jobName, metav1.GetOptions{})
		}
	}
	if err != nil {
		return err
	}
	if owner := metav1.GetControllerOf(job); owner == nil || owner.UID != hook.GetUID() {
		return c.patchStatus(ctx, hook, map[string]interface{}{"phase": "Failed", "message": "Job owned elsewhere"})
	}
	status := map[string]interface{}{"jobName": jobName, "nodeName": node}
	switch {
	case job.Status.Succeeded > 0:
		status["phase"] = "Succeeded"
		status["completedAt"] = completion(job)
	case job.Status.Failed > 0:
		status["phase"] = "Failed"
		status["completedAt"] = completion(job)
	case job.Status.Ready != nil && *job.Status.Ready > 0:
		status["phase"] = "Running"
	default:
		status["phase"] = "Pending"
	}
	if started, _, _ := unstructured.NestedString(hook.Object, "status", "startedAt"); started == "" {
		status["startedAt"] = time.Now().UTC().Format(time.RFC3339)
	}
	if same(hook, status) {
		return nil
	}
	return c.patchStatus(ctx, hook, status)
}

// release removes the finalizer from the Job of a hook whose outcome is recorded, as the operator does.
func (c *controller) release(ctx context.Context, hook *unstructured.Unstructured) error {
	job, err := c.jobLister.Jobs(hook.GetNamespace()).Get(jobNameFor(hook.GetName()))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(job.Finalizers) != 1 || job.Finalizers[0] != jobFinalizer {
		return nil
	}
	patch := fmt.Sprintf(`[{"op":"test","path":"/metadata/finalizers/0","value":%q},{"op":"remove","path":"/metadata/finalizers/0"}]`, jobFinalizer)
	_, err = c.kube.BatchV1().Jobs(job.Namespace).Patch(ctx, job.Name, types.JSONPatchType, []byte(patch), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) {
		return nil
	}
	return err
}

func completion(job *batchv1.Job) string {
	if job.Status.CompletionTime != nil {
		return job.Status.CompletionTime.UTC().Format(time.RFC3339)
	}
	return time.Now().UTC().Format(time.RFC3339)
}

func same(hook *unstructured.Unstructured, status map[string]interface{}) bool {
	current, _, _ := unstructured.NestedMap(hook.Object, "status")
	for k, v := range status {
		if current[k] != v {
			return false
		}
	}
	return true
}

func (c *controller) patchStatus(ctx context.Context, hook *unstructured.Unstructured, status map[string]interface{}) error {
	body, err := json.Marshal(map[string]interface{}{"status": status})
	if err != nil {
		return err
	}
	_, err = c.hooks.Namespace(hook.GetNamespace()).Patch(ctx, hook.GetName(), types.MergePatchType, body, metav1.PatchOptions{}, "status")
	return err
}
