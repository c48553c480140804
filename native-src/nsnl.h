// Shared by the addon's source files: Node-shaped errors, argument helpers, entering a netns, and the
// functions each file exports to the module's init.
#ifndef NSNL_H
#define NSNL_H
#define _GNU_SOURCE
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

napi_value make_errno_error(napi_env env, int err, const char *syscall);
napi_value throw_errno(napi_env env, int err, const char *syscall);
napi_value throw_type(napi_env env, const char *msg);
int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
int arg_int(napi_env env, napi_value v, int32_t *out);
int arg_buffer(napi_env env, napi_value v, void **data, size_t *len);
char *arg_string(napi_env env, napi_value v);
napi_value int_value(napi_env env, int64_t n);
napi_value undefined_value(napi_env env);
int enter_netns(int nsfd, int *saved);
void leave_netns(int saved);

// send-async.c
napi_value send_async(napi_env env, napi_callback_info info);

// netns.c
napi_value netns_prepare_dir(napi_env env, napi_callback_info info);
napi_value netns_create(napi_env env, napi_callback_info info);
napi_value netns_adopt(napi_env env, napi_callback_info info);
napi_value netns_delete(napi_env env, napi_callback_info info);
napi_value listen_at(napi_env env, napi_callback_info info);
napi_value open_at(napi_env env, napi_callback_info info);

// uts.c
napi_value uts_create(napi_env env, napi_callback_info info);
napi_value uts_set_names(napi_env env, napi_callback_info info);

#endif
