// send() from a thread-pool thread. For rtnetlink the kernel does a request's work inside sendmsg
// (creating a veth pair: ~0.5 ms); meanwhile the JS thread goes on. Buffers are kept alive by references
// until the callback.
//
// A chained send has a second part, the tail, handed over by the JS thread while the thread-pool thread
// sends the head: the same thread sends it right after the head, so the kernel handles the two in that
// order, and the JS thread builds the tail while the kernel works on the head. The JS side hands over a
// tail (or none) in the same tick as it queued the head; the pool thread waits for it at most 1 s.
#include "nsnl.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

enum { TAIL_PENDING, TAIL_GIVEN, TAIL_NONE };

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int state;
  void *data;
  size_t len;
  // Touched only on the JS thread: the tail buffer's reference, whether the job has completed, and the
  // owners left (the job and the JS handle's finalizer).
  napi_ref buffer_ref;
  int completed;
  int owners;
} chain_t;

typedef struct {
  napi_async_work work;
  napi_ref buffer_ref;
  napi_ref callback_ref;
  int fd;
  void *data;
  size_t len;
  int err;
  chain_t *chain;
  int tail_err;
} send_job;

static int send_all(int fd, const void *data, size_t len) {
  ssize_t n;
  do n = send(fd, data, len, 0);
  while (n < 0 && errno == EINTR);
  return n < 0 ? errno : 0;
}

static void chain_release(napi_env env, chain_t *c) {
  if (--c->owners > 0) return;
  if (c->buffer_ref != NULL) napi_delete_reference(env, c->buffer_ref);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  free(c);
}

static void chain_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  chain_release(env, data);
}

// Waits for the JS thread's tail; ETIMEDOUT after 1 s (a bug on the JS side, not a state to hang in).
static int wait_tail(chain_t *c, void **data, size_t *len) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 1;
  pthread_mutex_lock(&c->mu);
  int rc = 0;
  while (c->state == TAIL_PENDING && rc == 0) rc = pthread_cond_timedwait(&c->cv, &c->mu, &deadline);
  int state = c->state;
  *data = c->data;
  *len = c->len;
  pthread_mutex_unlock(&c->mu);
  if (state == TAIL_GIVEN) return 0;
  return state == TAIL_NONE ? ECANCELED : ETIMEDOUT;
}

static void send_execute(napi_env env, void *p) {
  (void)env;
  send_job *job = p;
  job->err = send_all(job->fd, job->data, job->len);
  if (job->chain == NULL) return;
  void *tail;
  size_t tail_len;
  job->tail_err = wait_tail(job->chain, &tail, &tail_len);
  // The kernel did not get the head: the tail (which may depend on it) is not sent either.
  if (job->tail_err == 0) job->tail_err = job->err != 0 ? ECANCELED : send_all(job->fd, tail, tail_len);
}

static void send_complete(napi_env env, napi_status status, void *p) {
  send_job *job = p;
  napi_value cb = NULL, recv = NULL, argv[2] = {NULL, NULL};
  if (status == napi_ok && job->err == 0) napi_get_null(env, &argv[0]);
  else argv[0] = make_errno_error(env, job->err != 0 ? job->err : ECANCELED, "send");
  if (job->chain != NULL) {
    if (status == napi_ok && job->tail_err == 0) napi_get_null(env, &argv[1]);
    else argv[1] = make_errno_error(env, job->tail_err != 0 ? job->tail_err : ECANCELED, "send");
    job->chain->completed = 1;
    chain_release(env, job->chain);
  }
  if (napi_get_reference_value(env, job->callback_ref, &cb) == napi_ok && cb != NULL && argv[0] != NULL &&
      napi_get_global(env, &recv) == napi_ok) {
    napi_call_function(env, recv, cb, job->chain != NULL ? 2 : 1, argv, NULL);
  }
  napi_delete_reference(env, job->callback_ref);
  napi_delete_reference(env, job->buffer_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

// Queues the job; NULL (with an exception pending) on failure, after undoing what it set up.
static send_job *queue_send(napi_env env, napi_callback_info info, chain_t *chain) {
  napi_value argv[3], name;
  int32_t fd;
  void *data;
  size_t len;
  if (get_args(env, info, 3, argv) || arg_int(env, argv[0], &fd) || arg_buffer(env, argv[1], &data, &len)) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function) {
    throw_type(env, "expected a callback");
    return NULL;
  }
  send_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    throw_errno(env, ENOMEM, "sendAsync");
    return NULL;
  }
  job->fd = fd;
  job->data = data;
  job->len = len;
  job->chain = chain;
  napi_create_reference(env, argv[1], 1, &job->buffer_ref);
  napi_create_reference(env, argv[2], 1, &job->callback_ref);
  napi_create_string_utf8(env, "nsnl.sendAsync", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, send_execute, send_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_reference(env, job->callback_ref);
    napi_delete_reference(env, job->buffer_ref);
    free(job);
    throw_errno(env, EIO, "sendAsync");
    return NULL;
  }
  return job;
}

// sendAsync(fd, buffer, callback(err|null))
napi_value send_async(napi_env env, napi_callback_info info) {
  return queue_send(env, info, NULL) == NULL ? NULL : undefined_value(env);
}

// sendAsyncChained(fd, head, callback(err|null, tailErr|null)) -> chain handle (an External) for chainTail.
napi_value send_async_chained(napi_env env, napi_callback_info info) {
  chain_t *c = calloc(1, sizeof *c);
  if (c == NULL) return throw_errno(env, ENOMEM, "sendAsyncChained");
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  c->owners = 1;
  napi_value handle;
  if (napi_create_external(env, c, chain_finalize, NULL, &handle) != napi_ok) {
    chain_release(env, c);
    return throw_errno(env, EIO, "sendAsyncChained");
  }
  c->owners = 2; // the handle (its finalizer) and the job
  if (queue_send(env, info, c) == NULL) {
    c->owners = 1;
    c->state = TAIL_NONE;
    return NULL;
  }
  return handle;
}

// chainTail(handle, tail | null): the tail to send after the head, or none. Once per chain, before the
// job completes (in practice: in the tick that queued it).
napi_value chain_tail(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv)) return NULL;
  chain_t *c = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&c) != napi_ok || c == NULL) return throw_type(env, "expected a chain handle");
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  void *data = NULL;
  size_t len = 0;
  if (t != napi_null && arg_buffer(env, argv[1], &data, &len)) return NULL;
  // state is written by this (the JS) thread only; the pool thread reads it under the lock.
  if (c->state != TAIL_PENDING || c->completed) return throw_errno(env, EALREADY, "chainTail");
  if (data != NULL) napi_create_reference(env, argv[1], 1, &c->buffer_ref);
  pthread_mutex_lock(&c->mu);
  c->state = data == NULL ? TAIL_NONE : TAIL_GIVEN;
  c->data = data;
  c->len = len;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  return undefined_value(env);
}
