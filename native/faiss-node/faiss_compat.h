// Force-included (g++ -include) before faiss-node's src/faiss.cc by scripts/build-faiss.sh.
//
// faiss-node 0.5.x is written against FAISS >= 1.7.4, which has `faiss::idx_t` at namespace
// scope. Debian 12's libfaiss-dev is FAISS 1.7.3, where the type is only `faiss::Index::idx_t`
// (both are int64_t). This alias makes the unmodified source compile against 1.7.3 and is a
// no-op for newer FAISS versions.
#pragma once
#include <faiss/Index.h>

#if defined(FAISS_VERSION_MAJOR) && \
    (FAISS_VERSION_MAJOR < 1 ||     \
     (FAISS_VERSION_MAJOR == 1 &&   \
      (FAISS_VERSION_MINOR < 7 || (FAISS_VERSION_MINOR == 7 && FAISS_VERSION_PATCH < 4))))
namespace faiss {
using idx_t = Index::idx_t;
}
#endif
