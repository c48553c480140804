// send() from a thread-pool thread. For rtnetlink the kernel does a request's work inside sendmsg
// (deleting a group of veths holds it for 20 ms and more); meanwhile the JS thread goes on. Buffers are
// kept alive by references until the callback.
#include "nsnl.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef struct {
  napi_async_work work;
  napi_ref buffer_ref;
  napi_ref callback_ref;
  int fd;
  void *data;
  size_t len;
  int err;
} send_job;

static void send_execute(napi_env env, void *p) {
  (void)env;
  send_job *job = p;
  ssize_t n;
  do n = send(job->fd, job->data, job->len, 0);
  while (n < 0 && errno == EINTR);
  job->err = n < 0 ? errno : 0;
}

static void send_complete(napi_env env, napi_status status, void *p) {
  send_job *job = p;
  napi_value cb = NULL, recv = NULL, arg = NULL;
  if (status == napi_ok && job->err == 0) napi_get_null(env, &arg);
  else arg = make_errno_error(env, job->err != 0 ? job->err : ECANCELED, "send");
  if (napi_get_reference_value(env, job->callback_ref, &cb) == napi_ok && cb != NULL && arg != NULL &&
      napi_get_global(env, &recv) == napi_ok) {
    napi_call_function(env, recv, cb, 1, &arg, NULL);
  }
  napi_delete_reference(env, job->callback_ref);
  napi_delete_reference(env, job->buffer_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

// sendAsync(fd, buffer, callback(err|null))
napi_value send_async(napi_env env, napi_callback_info info) {
  napi_value argv[3], name;
  int32_t fd;
  void *data;
  size_t len;
  if (get_args(env, info, 3, argv) || arg_int(env, argv[0], &fd) || arg_buffer(env, argv[1], &data, &len)) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function) return throw_type(env, "expected a callback");
  send_job *job = calloc(1, sizeof *job);
  if (job == NULL) return throw_errno(env, ENOMEM, "sendAsync");
  job->fd = fd;
  job->data = data;
  job->len = len;
  napi_create_reference(env, argv[1], 1, &job->buffer_ref);
  napi_create_reference(env, argv[2], 1, &job->callback_ref);
  napi_create_string_utf8(env, "nsnl.sendAsync", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, send_execute, send_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_reference(env, job->callback_ref);
    napi_delete_reference(env, job->buffer_ref);
    free(job);
    return throw_errno(env, EIO, "sendAsync");
  }
  return undefined_value(env);
}
