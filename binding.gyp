{
  "targets": [
    {
      "target_name": "nsnl",
      "sources": ["native-src/nsnl.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
