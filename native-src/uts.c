// UTS namespaces bound to files, like the netns files: a sandbox's own hostname and domain name, which
// `nsenter --uts=FILE` (dnet sandbox exec, dnet run) enters together with the netns.
#include "nsnl.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int set_names(const char *hostname, const char *domainname) {
  if (sethostname(hostname, strlen(hostname)) != 0) return -errno;
  if (setdomainname(domainname, strlen(domainname)) != 0) return -errno;
  return 0;
}

// Returns to the saved UTS namespace; not being able to is not survivable (this thread would keep the
// sandbox's hostname for everything it does next).
static void leave_uts(int saved) {
  if (setns(saved, CLONE_NEWUTS) != 0) {
    fprintf(stderr, "nsnl: cannot return to the original UTS namespace: %s\n", strerror(errno));
    abort();
  }
  close(saved);
}

static int create_uts(const char *path, const char *hostname, const char *domainname, const char **failed) {
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    *failed = "open";
    return -errno;
  }
  close(fd);
  int saved = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
  int rc = 0;
  if (saved < 0) {
    *failed = "open";
    rc = -errno;
  } else if (unshare(CLONE_NEWUTS) != 0) {
    *failed = "unshare";
    rc = -errno;
    close(saved);
  } else {
    rc = set_names(hostname, domainname);
    if (rc < 0) *failed = "sethostname";
    else if (mount("/proc/thread-self/ns/uts", path, "none", MS_BIND, NULL) != 0) {
      *failed = "mount";
      rc = -errno;
    }
    leave_uts(saved);
  }
  if (rc < 0) unlink(path);
  return rc;
}

// The (path, hostname, domainname) strings both calls take; non-zero (an exception pending, nothing left
// allocated) when one is missing or not a string.
static int three_strings(napi_env env, napi_callback_info info, char *out[3]) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv)) return 1;
  out[0] = arg_string(env, argv[0]);
  out[1] = out[0] == NULL ? NULL : arg_string(env, argv[1]);
  out[2] = out[1] == NULL ? NULL : arg_string(env, argv[2]);
  if (out[2] != NULL) return 0;
  free(out[0]);
  free(out[1]);
  return 1;
}

// utsCreate(path, hostname, domainname): a new UTS namespace with these names, bind-mounted at path
// (which must not exist).
napi_value uts_create(napi_env env, napi_callback_info info) {
  char *s[3];
  if (three_strings(env, info, s)) return NULL;
  char *path = s[0], *hostname = s[1], *domainname = s[2];
  const char *failed = NULL;
  int rc = create_uts(path, hostname, domainname, &failed);
  free(path);
  free(hostname);
  free(domainname);
  if (rc < 0) return throw_errno(env, -rc, failed);
  return undefined_value(env);
}

// utsSetNames(path, hostname, domainname): renames the UTS namespace bound at path.
napi_value uts_set_names(napi_env env, napi_callback_info info) {
  char *s[3];
  if (three_strings(env, info, s)) return NULL;
  char *path = s[0], *hostname = s[1], *domainname = s[2];
  const char *failed = NULL;
  int rc = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int saved = fd < 0 ? -1 : open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || saved < 0) {
    failed = "open";
    rc = -errno;
  } else if (setns(fd, CLONE_NEWUTS) != 0) {
    failed = "setns";
    rc = -errno;
    close(saved);
  } else {
    rc = set_names(hostname, domainname);
    if (rc < 0) failed = "sethostname";
    leave_uts(saved);
  }
  if (fd >= 0) close(fd);
  free(path);
  free(hostname);
  free(domainname);
  if (rc < 0) return throw_errno(env, -rc, failed);
  return undefined_value(env);
}
