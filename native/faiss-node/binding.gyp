# node-gyp build of faiss-node's src/faiss.cc against a system FAISS (Debian's libfaiss-dev:
# static libfaiss.a, reference BLAS/LAPACK, GNU OpenMP), or against the AVX2 build of the same
# sources that scripts/build-faiss.sh makes (-Dfaiss_lib=<path to libfaiss_avx2.a>). Used by it,
# which copies this file, faiss_compat.h and the patched sources into a staging directory
# inside node_modules/faiss-node/ (so `node-addon-api` resolves as faiss-node's own does).
{
  "variables": { "faiss_lib%": "-l:libfaiss.a" },
  "targets": [
    {
      "target_name": "faiss-node",
      "sources": ["src/faiss.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": [
        "-std=c++17",
        "-fopenmp",
        "-fexceptions",
        "-frtti",
        "-include", "<(module_root_dir)/faiss_compat.h"
      ],
      "ldflags": ["-fopenmp", "-Wl,--exclude-libs,ALL"],
      "libraries": ["<(faiss_lib)", "-lblas", "-llapack", "-lgomp"]
    }
  ]
}
