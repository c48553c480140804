{
  "targets": [
    {
      "target_name": "nsnl",
      "sources": ["native-src/nsnl.c", "native-src/send-async.c", "native-src/netns.c", "native-src/uts.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
