// The addon's one oneDNN CPU engine and each calling thread's stream, shared by the per-op kernels
// (medft_onednn.cc) and the whole-step engine (step/): data-parallel replica threads each drive their own stream.
#pragma once

#if __has_include(<oneapi/dnnl/dnnl.hpp>)
#include <oneapi/dnnl/dnnl.hpp>
#else
#include <dnnl.hpp>
#endif

namespace medft {

inline dnnl::engine& cpuEngine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

inline dnnl::stream& threadStream() {
  thread_local dnnl::stream s(cpuEngine());
  return s;
}

}  // namespace medft
