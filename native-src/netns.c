// Network namespaces bound to files (as `ip netns add` does it), and sockets and files opened inside a
// netns: listenAt for the DNS server's sockets, openAt for /proc/sys/net.
#include "nsnl.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------------
// Network namespaces bound to files, as `ip netns add` does it.

// The directory holding netns files must be a shared mount so that bind mounts made here are seen in
// other mount namespaces (`ip netns exec` unshares one); make it a bind mount of itself first if needed.
static int prepare_netns_dir(const char *dir) {
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) return -errno;
  if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0) return 0;
  if (errno != EINVAL) return -errno;
  if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) != 0) return -errno;
  if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) != 0) return -errno;
  return 0;
}

// netnsPrepareDir(dir)
napi_value netns_prepare_dir(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  char *dir = arg_string(env, argv[0]);
  if (dir == NULL) return NULL;
  int rc = prepare_netns_dir(dir);
  free(dir);
  if (rc < 0) return throw_errno(env, -rc, "mount");
  return undefined_value(env);
}

// netnsCreate(path): a new netns bind-mounted at path (the file must not exist yet).
napi_value netns_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  char *path = arg_string(env, argv[0]);
  if (path == NULL) return NULL;
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    int err = errno;
    free(path);
    return throw_errno(env, err, "open");
  }
  close(fd);
  int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const char *failed = NULL;
  int err = 0;
  if (saved < 0) {
    failed = "open";
    err = errno;
  } else if (unshare(CLONE_NEWNET) != 0) {
    failed = "unshare";
    err = errno;
    close(saved);
  } else {
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) != 0) {
      failed = "mount";
      err = errno;
    }
    leave_netns(saved);
  }
  if (failed != NULL) unlink(path);
  free(path);
  if (failed != NULL) return throw_errno(env, err, failed);
  return undefined_value(env);
}

// netnsAdopt(src, path): bind-mounts an existing netns (e.g. /proc/<pid>/ns/net) at path, which must not
// exist, so that it outlives its process and `ip netns` sees it.
napi_value netns_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv)) return NULL;
  char *src = arg_string(env, argv[0]);
  if (src == NULL) return NULL;
  char *path = arg_string(env, argv[1]);
  if (path == NULL) {
    free(src);
    return NULL;
  }
  const char *failed = NULL;
  int err = 0;
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    failed = "open";
    err = errno;
  } else {
    close(fd);
    if (mount(src, path, "none", MS_BIND, NULL) != 0) {
      failed = "mount";
      err = errno;
      unlink(path);
    }
  }
  free(src);
  free(path);
  if (failed != NULL) return throw_errno(env, err, failed);
  return undefined_value(env);
}

// netnsDelete(path): detach the bind mount and remove the file. The netns dies with its last user.
napi_value netns_delete(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  char *path = arg_string(env, argv[0]);
  if (path == NULL) return NULL;
  int err = 0;
  const char *failed = NULL;
  if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL) {
    failed = "umount2";
    err = errno;
  } else if (unlink(path) != 0) {
    failed = "unlink";
    err = errno;
  }
  free(path);
  if (failed != NULL) return throw_errno(env, err, failed);
  return undefined_value(env);
}

// ---------------------------------------------------------------------------------------------
// listenAt(nsFd, family, type, ip, port) -> fd: a UDP (bound) or TCP (bound + listening) socket inside
// a netns, to be handed to dgram `bind({fd})` or net.Server `listen({fd})`, or held to reserve a port.
napi_value listen_at(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t nsfd, family, type, port;
  if (get_args(env, info, 5, argv) || arg_int(env, argv[0], &nsfd) || arg_int(env, argv[1], &family) ||
      arg_int(env, argv[2], &type) || arg_int(env, argv[4], &port))
    return NULL;
  char *ip = arg_string(env, argv[3]);
  if (ip == NULL) return NULL;
  struct sockaddr_storage ss;
  socklen_t sslen;
  memset(&ss, 0, sizeof ss);
  int ok;
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    ok = inet_pton(AF_INET6, ip, &a->sin6_addr);
    sslen = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    ok = inet_pton(AF_INET, ip, &a->sin_addr);
    sslen = sizeof *a;
  }
  free(ip);
  if (ok != 1) return throw_errno(env, EINVAL, "inet_pton");
  int saved;
  int rc = enter_netns(nsfd, &saved);
  if (rc < 0) return throw_errno(env, -rc, "setns");
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  int err = errno;
  leave_netns(saved);
  if (fd < 0) return throw_errno(env, err, "socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // An IPv6 socket covers IPv6 only (as Go's listeners do): [::]:80 must not also take 0.0.0.0:80,
  // which a port published on both families holds with a socket of its own.
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  const char *failed = NULL;
  if (bind(fd, (struct sockaddr *)&ss, sslen) != 0) failed = "bind";
  else if (type == SOCK_STREAM && listen(fd, 511) != 0) failed = "listen";
  if (failed != NULL) {
    err = errno;
    close(fd);
    return throw_errno(env, err, failed);
  }
  return int_value(env, fd);
}

// openAt(nsFd, path, flags[, dirFd]) -> fd: openat(dirFd or AT_FDCWD, path) while inside a netns.
// /proc/sys/net files are bound to the netns of the opener, so this is how sysctls of a sandbox are read
// and written without a helper process. dirFd: a /proc/sys/net opened in that netns before; a path
// relative to it skips the dcache chain of one "net" entry per netns that every "/proc/sys/net/…"
// lookup walks (with 1,000 namespaces: 80 µs per open, 55 µs relative to dirFd).
napi_value open_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int32_t nsfd, flags, dirfd = AT_FDCWD;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    throw_type(env, "missing arguments");
    return NULL;
  }
  if (arg_int(env, argv[0], &nsfd) || arg_int(env, argv[2], &flags)) return NULL;
  if (argc >= 4) {
    napi_valuetype t;
    if (napi_typeof(env, argv[3], &t) != napi_ok) return NULL;
    if (t != napi_undefined) {
      if (arg_int(env, argv[3], &dirfd)) return NULL;
      if (dirfd < 0) {
        throw_type(env, "dirFd must be a non-negative fd");
        return NULL;
      }
    }
  }
  char *path = arg_string(env, argv[1]);
  if (path == NULL) return NULL;
  int saved;
  int rc = enter_netns(nsfd, &saved);
  if (rc < 0) {
    free(path);
    return throw_errno(env, -rc, "setns");
  }
  int fd = openat(dirfd, path, flags | O_CLOEXEC);
  int err = errno;
  leave_netns(saved);
  free(path);
  if (fd < 0) return throw_errno(env, err, "open");
  return int_value(env, fd);
}

