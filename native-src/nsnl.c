// nsnl: the only native code of the project. Sockets opened inside a network namespace, raw send and
// drained receive, readiness through libuv; thread-pool sends in send-async.c, network namespace
// creation/deletion in netns.c. All protocol work (netlink framing, attributes, nftables) lives in
// TypeScript.
#include "nsnl.h" // first: it defines _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define RECV_CHUNK (256 * 1024)

// One receive buffer per thread: worker threads may use the addon too.
static _Thread_local char recv_buf[RECV_CHUNK];

// ---------------------------------------------------------------------------------------------
// Errors shaped like Node's own system errors: message "syscall CODE (text)", errno < 0, code, syscall.

napi_value make_errno_error(napi_env env, int err, const char *syscall) {
  const char *code = uv_err_name(-err);
  char msg[256];
  snprintf(msg, sizeof msg, "%s %s (%s)", syscall, code, strerror(err));
  napi_value jmsg, jcode, jerr, jerrno, jsys;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jcode);
  napi_create_error(env, jcode, jmsg, &jerr);
  napi_create_int32(env, -err, &jerrno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &jsys);
  napi_set_named_property(env, jerr, "errno", jerrno);
  napi_set_named_property(env, jerr, "syscall", jsys);
  return jerr;
}

napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_throw(env, make_errno_error(env, err, syscall));
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Argument helpers.

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    throw_type(env, "missing arguments");
    return -1;
  }
  return 0;
}

int arg_int(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    throw_type(env, "expected an integer argument");
    return -1;
  }
  return 0;
}

int arg_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_buf = false;
  napi_is_buffer(env, v, &is_buf);
  if (!is_buf || napi_get_buffer_info(env, v, data, len) != napi_ok) {
    throw_type(env, "expected a Buffer argument");
    return -1;
  }
  return 0;
}

// Copies a JS string into a malloc'd C string; the caller frees it.
char *arg_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_type(env, "expected a string argument");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

napi_value int_value(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

napi_value undefined_value(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Entering a namespace. The thread leaves its own netns only for the length of one socket()/unshare()
// call and comes straight back; if it cannot come back, continuing would run JavaScript in the wrong
// namespace, so the process aborts.

int enter_netns(int nsfd, int *saved) {
  *saved = -1;
  if (nsfd < 0) return 0;
  *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (*saved < 0) return -errno;
  if (setns(nsfd, CLONE_NEWNET) != 0) {
    int err = errno;
    close(*saved);
    *saved = -1;
    return -err;
  }
  return 0;
}

void leave_netns(int saved) {
  if (saved < 0) return;
  if (setns(saved, CLONE_NEWNET) != 0) {
    fprintf(stderr, "nsnl: cannot return to the original network namespace: %s\n", strerror(errno));
    abort();
  }
  close(saved);
}
// socketAt(nsFd, domain, type, protocol) -> fd. nsFd -1 means the current namespace.
static napi_value socket_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t nsfd, domain, type, proto;
  if (get_args(env, info, 4, argv) || arg_int(env, argv[0], &nsfd) || arg_int(env, argv[1], &domain) ||
      arg_int(env, argv[2], &type) || arg_int(env, argv[3], &proto))
    return NULL;
  int saved;
  int rc = enter_netns(nsfd, &saved);
  if (rc < 0) return throw_errno(env, -rc, "setns");
  int fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
  int err = errno;
  leave_netns(saved);
  if (fd < 0) return throw_errno(env, err, "socket");
  return int_value(env, fd);
}

// setsockoptInt(fd, level, name, value)
static napi_value setsockopt_int(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, value;
  if (get_args(env, info, 4, argv) || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &level) ||
      arg_int(env, argv[2], &name) || arg_int(env, argv[3], &value))
    return NULL;
  if (setsockopt(fd, level, name, &value, sizeof value) != 0) return throw_errno(env, errno, "setsockopt");
  return undefined_value(env);
}

// bind(fd, sockaddrBytes)
static napi_value bind_raw(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *addr;
  size_t len;
  if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || arg_buffer(env, argv[1], &addr, &len))
    return NULL;
  if (bind(fd, (struct sockaddr *)addr, (socklen_t)len) != 0) return throw_errno(env, errno, "bind");
  return undefined_value(env);
}

// send(fd, buffer) -> bytes sent. For netlink the destination is the kernel (port 0) by default.
static napi_value send_raw(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t len;
  if (get_args(env, info, 2, argv) || arg_int(env, argv[0], &fd) || arg_buffer(env, argv[1], &data, &len))
    return NULL;
  ssize_t n;
  do n = send(fd, data, len, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "send");
  return int_value(env, n);
}

// recv(fd) -> Buffer with every datagram queued now (concatenated), or null when none is queued.
// Netlink messages carry their own length, so concatenation loses nothing.
static napi_value recv_drain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd)) return NULL;
  char *acc = NULL;
  size_t acc_len = 0;
  for (;;) {
    ssize_t n = recv(fd, recv_buf, RECV_CHUNK, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      int err = errno;
      free(acc);
      return throw_errno(env, err, "recv");
    }
    if ((size_t)n > RECV_CHUNK) {
      free(acc);
      return throw_errno(env, EMSGSIZE, "recv");
    }
    char *grown = realloc(acc, acc_len + (size_t)n);
    if (grown == NULL) {
      free(acc);
      return throw_errno(env, ENOMEM, "recv");
    }
    acc = grown;
    memcpy(acc + acc_len, recv_buf, (size_t)n);
    acc_len += (size_t)n;
    if (n == 0) break;
  }
  napi_value out;
  if (acc == NULL) {
    napi_get_null(env, &out);
    return out;
  }
  napi_create_buffer_copy(env, acc_len, acc, NULL, &out);
  free(acc);
  return out;
}

// close(fd)
static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd)) return NULL;
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return undefined_value(env);
}

// tryLockFile(fd) -> bool: an exclusive flock on an open file, without waiting; false when another
// open file description holds it. Released when the fd is closed or the process ends (the daemon's
// data-directory lock: Node has no flock).
static napi_value try_lock_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || arg_int(env, argv[0], &fd)) return NULL;
  int rc;
  do rc = flock(fd, LOCK_EX | LOCK_NB); while (rc != 0 && errno == EINTR);
  napi_value result;
  if (rc != 0 && errno != EWOULDBLOCK) return throw_errno(env, errno, "flock");
  napi_get_boolean(env, rc == 0, &result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Readiness: a uv_poll per watched fd calls back into JavaScript when the fd becomes readable.

typedef struct watcher {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
} watcher_t;

static void on_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  watcher_t *w = poll->data;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, recv, argv[1], result;
  napi_get_reference_value(w->env, w->callback, &cb);
  // napi_make_callback converts the receiver to an object: undefined would throw a TypeError ("Cannot
  // convert undefined or null to object") as an uncaught exception instead of calling back.
  napi_get_global(w->env, &recv);
  napi_create_int32(w->env, status, &argv[0]);
  napi_make_callback(w->env, w->context, recv, cb, 1, argv, &result);
  napi_close_handle_scope(w->env, scope);
}

// watch(fd, callback) -> handle (an External). Callback receives a libuv status (0 = readable).
static napi_value watch_fd(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return throw_type(env, "missing arguments");
  if (arg_int(env, argv[0], &fd)) return NULL;
  // Optional keepAlive (default true): false leaves the event loop free to end while only this waits.
  bool keep_alive = true;
  if (argc >= 3) napi_get_value_bool(env, argv[2], &keep_alive);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "watch");
  w->env = env;
  w->poll.data = w;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    return throw_errno(env, -rc, "uv_poll_init");
  }
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_value name;
  napi_create_string_utf8(env, "nsnl.watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (!keep_alive) uv_unref((uv_handle_t *)&w->poll);
  napi_value handle;
  napi_create_external(env, w, NULL, NULL, &handle);
  return handle;
}

// unwatch(handle): stops polling; the fd itself stays open.
static napi_value unwatch_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  watcher_t *w = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&w) != napi_ok || w == NULL)
    return throw_type(env, "expected a watch handle");
  if (w->callback == NULL) return undefined_value(env);
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  w->callback = NULL;
  uv_close((uv_handle_t *)&w->poll, on_closed);
  return undefined_value(env);
}

// ---------------------------------------------------------------------------------------------

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socketAt", NULL, socket_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockoptInt", NULL, setsockopt_int, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, bind_raw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, send_raw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAsync", NULL, send_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recv", NULL, recv_drain, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tryLockFile", NULL, try_lock_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, watch_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, unwatch_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsPrepareDir", NULL, netns_prepare_dir, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsCreate", NULL, netns_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsAdopt", NULL, netns_adopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsDelete", NULL, netns_delete, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openAt", NULL, open_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listenAt", NULL, listen_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"utsCreate", NULL, uts_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"utsSetNames", NULL, uts_set_names, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
