// medft's optional native kernels: oneDNN (Debian libdnnl-dev 2.6) convolutions over tensors that live in the
// TF.js wasm backend's heap. Zero-copy: JS passes the heap's ArrayBuffer and byte offsets; inputs are read and
// outputs written in place. Activations are NHWC, weights HWIO (TF.js layouts).
//
// Safety: every call re-checks that the buffer is not detached (memory.grow() detaches the old one) and that every
// tensor range lies inside byteLength, and that the geometry is self-consistent, before oneDNN touches memory.
// Primitives are cached per (pass, geometry, activation, bias, OpenMP thread count): oneDNN's jit primitives fix
// their thread count when they are created.
//
// Threads: data-parallel replicas (src/train/data-parallel/) load the addon in several worker threads of one process,
// each driving its own engine. All state — caches, scratch, the stream, the Winograd switch — is thread_local, and
// OpenMP's thread count is per calling thread too, so each JS thread has an independent accelerator.
//
// Winograd: 3x3 stride-1 convolutions with >= 32 channels in and out and an output of >= 8x8 pixels run oneDNN's
// f32 Winograd F(4x4, 3x3) (jit_wino_4x3) instead of the direct algorithm. It needs oneDNN's blocked activation
// layout, so such a call reorders its NHWC inputs into scratch buffers and its output back; measured on this
// project's 2-core machine (docs/performance.md) that still halves VGG-19's convolution time at 64 px, while below
// 8x8 pixels or with few channels the reorders cost more than Winograd saves. setWinograd(false) turns it off.
#include <napi.h>
#if __has_include(<oneapi/dnnl/dnnl.hpp>)
#include <oneapi/dnnl/dnnl.hpp>
#else
#include <dnnl.hpp>
#endif
#include <omp.h>

#include "channel_passes.h"
#include "channel_sums.h"
#include "dnnl_context.h"
#include "heap_args.h"
#include "max_pool_grad.h"
#include "optimizer_update.h"
#include "step/step_binding.h"

#include <cstdint>
#include <cstdlib>
#include <list>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>

using namespace dnnl;
using medft::dt;
using medft::Geom;
using medft::Heap;
using medft::readGeom;
using medft::tag;

namespace {

engine& eng() { return medft::cpuEngine(); }
stream& strm() { return medft::threadStream(); }

int threads() { return omp_get_max_threads(); }

thread_local bool winogradOn = true;  // setWinograd(); part of every cache key

// Copies `from` into `to` (another layout). Below kSharedReorderBytes it runs on the calling thread alone: the other
// OpenMP threads may be asleep between calls (src/engine/native/onednn.ts), and waking them costs ~100 µs here,
// longer than one thread takes to move that much.
constexpr size_t kSharedReorderBytes = size_t(1) << 20;
void copyInto(memory& from, memory& to) {
  if (to.get_desc().get_size() >= kSharedReorderBytes) {
    reorder(from, to).execute(strm(), from, to);
    return;
  }
  const int n = omp_get_max_threads();
  omp_set_num_threads(1);
  try {
    reorder(from, to).execute(strm(), from, to);
  } catch (...) {
    omp_set_num_threads(n);
    throw;
  }
  omp_set_num_threads(n);
}

// ---- weight reorders cached by weight-tensor identity (a key JS gives each TF.js dataId; tensors are immutable) ----
struct WeightCache {
  size_t budget = size_t(256) << 20;
  size_t used = 0;
  std::list<std::string> order;  // most recent first
  struct Entry { memory mem; size_t bytes; std::list<std::string>::iterator pos; };
  std::unordered_map<std::string, Entry> map;
  uint64_t hits = 0, misses = 0;
  memory* find(const std::string& k) {
    auto it = map.find(k);
    if (it == map.end()) return nullptr;
    order.splice(order.begin(), order, it->second.pos);
    hits++;
    return &it->second.mem;
  }
  memory* put(const std::string& k, memory m) {
    size_t bytes = m.get_desc().get_size();
    if (bytes > budget) return nullptr;
    while (used + bytes > budget && !order.empty()) drop(order.back());
    order.push_front(k);
    used += bytes;
    return &map.emplace(k, Entry{m, bytes, order.begin()}).first->second.mem;
  }
  void drop(const std::string& k) {
    auto it = map.find(k);
    if (it == map.end()) return;
    used -= it->second.bytes;
    order.erase(it->second.pos);
    map.erase(it);
  }
  void clear() { map.clear(); order.clear(); used = 0; }
};
thread_local WeightCache wcache;

// Returns weights in `want` format: the user's HWIO memory itself when it already matches, else a reorder
// (cached under `wkey` when wkey > 0, i.e. JS vouches that the tensor identified by wkey is immutable).
memory weightsAs(const memory::desc& want, void* userPtr, const Geom& g, double wkey, const char* pass) {
  memory user(g.userW(), eng(), userPtr);
  if (want == g.userW()) return user;
  std::string k;
  if (wkey > 0) {
    std::ostringstream s;
    s << static_cast<uint64_t>(wkey) << '|' << pass << '|' << g.key() << '|' << threads() << '|' << winogradOn;
    k = s.str();
    if (memory* m = wcache.find(k)) return *m;
    wcache.misses++;
  }
  memory out(want, eng());
  copyInto(user, out);
  if (wkey > 0) wcache.put(k, out);
  return out;
}

// ---- Winograd: when, and the scratch for its blocked activations ----

bool winogradFits(const Geom& g) {
  return winogradOn && g.KH == 3 && g.KW == 3 && g.sH == 1 && g.sW == 1 && g.dH == 1 && g.dW == 1 && g.C >= 32 &&
         g.OC >= 32 && g.OH >= 8 && g.OW >= 8;
}

// A thread's calls run one at a time, so one growing buffer per role (per thread) serves every primitive: 0 and 1
// for the blocked inputs, 2 for the blocked output.
struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
  ~Scratch() { std::free(data); }  // a replica's thread ends
  void* get(size_t n) {
    if (n > bytes) {
      std::free(data);
      size_t rounded = (n + 4095) / 4096 * 4096;
      data = std::aligned_alloc(4096, rounded);
      if (!data) throw std::bad_alloc();
      bytes = rounded;
    }
    return data;
  }
  void release() {
    std::free(data);
    data = nullptr;
    bytes = 0;
  }
};
thread_local Scratch scratch[3];

// A tensor the primitive wants in `want` while the user's lives in NHWC at `user`: the user's memory itself, or a
// scratch copy (reordered from the user's when `input`).
struct Act {
  memory user, used;
  Act(const memory::desc& userDesc, const memory::desc& want, void* ptr, int slot, bool input)
      : user(userDesc, eng(), ptr),
        used(want == userDesc ? user : memory(want, eng(), scratch[slot].get(want.get_size()))) {
    if (input && used != user) copyInto(user, used);
  }
  void writeBack() {
    if (used != user) copyInto(used, user);
  }
};

// ---- primitive caches ----
struct Fwd { convolution_forward::primitive_desc pd; convolution_forward prim; };
struct BwdData { convolution_backward_data::primitive_desc pd; convolution_backward_data prim; };
struct BwdWeights {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  bool needReorder;
  memory blocked;  // the primitive's preferred diff-weights layout, reordered into HWIO after each call
};
thread_local std::unordered_map<std::string, std::shared_ptr<Fwd>> fwdCache;
thread_local std::unordered_map<std::string, std::shared_ptr<BwdData>> bdCache;
thread_local std::unordered_map<std::string, std::shared_ptr<BwdWeights>> bwCache;

// Forward primitive descriptor with `alg`: Winograd with blocked activations (any), direct with NHWC.
convolution_forward::primitive_desc forwardPdWith(const Geom& g, bool bias, int act, prop_kind pk, algorithm alg) {
  primitive_attr attr;
  if (act != 0) {
    post_ops po;
    if (act == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    else po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(po);
  }
  const bool wino = alg == algorithm::convolution_winograd;
  memory::desc src = wino ? g.anySrc() : g.src(), dst = wino ? g.anyDst() : g.dst();
  if (bias) {
    memory::desc b({g.OC}, dt::f32, tag::x);
    convolution_forward::desc d(pk, alg, src, g.anyW(), b, dst, g.strides(), g.dilates(), g.padL(), g.padR());
    return {d, attr, eng()};
  }
  convolution_forward::desc d(pk, alg, src, g.anyW(), dst, g.strides(), g.dilates(), g.padL(), g.padR());
  return {d, attr, eng()};
}

// The forward pass's descriptor: Winograd where it fits, or direct if oneDNN refuses it (for this geometry, bias or
// activation). Descriptors are made once per primitive-cache entry, so a refusal costs one try per geometry.
convolution_forward::primitive_desc forwardPd(const Geom& g, bool bias, int act, prop_kind pk) {
  if (winogradFits(g)) {
    try {
      return forwardPdWith(g, bias, act, pk, algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
    }
  }
  return forwardPdWith(g, bias, act, pk, algorithm::convolution_direct);
}

// Backward descriptors likewise (their activation layouts are oneDNN's choice for Winograd); a refused Winograd
// forward hint or backward pass falls back to direct.
template <class PD, class Desc>
PD backwardPd(const Geom& g) {
  auto make = [&](algorithm alg) {
    bool wino = alg == algorithm::convolution_winograd;
    auto hint = forwardPdWith(g, false, 0, prop_kind::forward_training, alg);
    Desc d(alg, wino ? g.anySrc() : g.src(), g.anyW(), wino ? g.anyDst() : g.dst(), g.strides(), g.dilates(),
           g.padL(), g.padR());
    return PD(d, eng(), hint);
  };
  if (winogradFits(g)) {
    try {
      return make(algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
    }
  }
  return make(algorithm::convolution_direct);
}
auto backwardDataPd = backwardPd<convolution_backward_data::primitive_desc, convolution_backward_data::desc>;
auto backwardWeightsPd = backwardPd<convolution_backward_weights::primitive_desc, convolution_backward_weights::desc>;

std::string cacheKey(const Geom& g, int extra) {
  std::ostringstream s;
  s << g.key() << '|' << extra << '|' << threads() << '|' << winogradOn;
  return s.str();
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("medft_onednn: ") + e.what());
  }
}

// convForward(heap, xOff, wOff, biasOff (-1: none), yOff, geom, act (0 linear, 1 relu, 2 relu6), wKey)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 8) throw Napi::TypeError::New(info.Env(), "convForward: 8 arguments");
    Geom g = readGeom(info[5]);
    int act = info[6].As<Napi::Number>().Int32Value();
    if (act < 0 || act > 2) throw Napi::RangeError::New(info.Env(), "convForward: activation must be 0, 1 or 2");
    bool bias = info[3].As<Napi::Number>().DoubleValue() >= 0;
    Heap h(info[0]);
    void* x = h.at(info[1], g.xBytes(), "x");
    void* w = h.at(info[2], g.wBytes(), "filter");
    void* b = bias ? h.at(info[3], size_t(g.OC) * 4, "bias") : nullptr;
    void* y = h.at(info[4], g.yBytes(), "y");
    std::string k = cacheKey(g, act * 2 + (bias ? 1 : 0));
    auto it = fwdCache.find(k);
    if (it == fwdCache.end()) {
      // forward_training: for Winograd, forward_inference wants the weights pre-transformed, an expensive reorder
      // that training (new weights every step) would pay on every call.
      auto pd = forwardPd(g, bias, act, prop_kind::forward_training);
      it = fwdCache.emplace(k, std::make_shared<Fwd>(Fwd{pd, convolution_forward(pd)})).first;
    }
    Fwd& f = *it->second;
    memory wm = weightsAs(f.pd.weights_desc(), w, g, info[7].As<Napi::Number>().DoubleValue(), "fwd");
    Act src(g.src(), f.pd.src_desc(), x, 0, true), dst(g.dst(), f.pd.dst_desc(), y, 2, false);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.used}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst.used}};
    if (bias) args.emplace(DNNL_ARG_BIAS, memory({{g.OC}, dt::f32, tag::x}, eng(), b));
    f.prim.execute(strm(), args);
    dst.writeBack();
    strm().wait();
    return info.Env().Undefined();
  });
}

// convBackwardData(heap, dyOff, wOff, dxOff, geom, wKey)
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 6) throw Napi::TypeError::New(info.Env(), "convBackwardData: 6 arguments");
    Geom g = readGeom(info[4]);
    Heap h(info[0]);
    void* dy = h.at(info[1], g.yBytes(), "dy");
    void* w = h.at(info[2], g.wBytes(), "filter");
    void* dx = h.at(info[3], g.xBytes(), "dx");
    std::string k = cacheKey(g, 0);
    auto it = bdCache.find(k);
    if (it == bdCache.end()) {
      auto pd = backwardDataPd(g);
      it = bdCache.emplace(k, std::make_shared<BwdData>(BwdData{pd, convolution_backward_data(pd)})).first;
    }
    BwdData& f = *it->second;
    memory wm = weightsAs(f.pd.weights_desc(), w, g, info[5].As<Napi::Number>().DoubleValue(), "bwd-data");
    Act ddst(g.dst(), f.pd.diff_dst_desc(), dy, 0, true), dsrc(g.src(), f.pd.diff_src_desc(), dx, 2, false);
    f.prim.execute(strm(), {{DNNL_ARG_DIFF_DST, ddst.used}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dsrc.used}});
    dsrc.writeBack();
    strm().wait();
    return info.Env().Undefined();
  });
}

// convBackwardWeights(heap, xOff, dyOff, dwOff, geom)
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 5) throw Napi::TypeError::New(info.Env(), "convBackwardWeights: 5 arguments");
    Geom g = readGeom(info[4]);
    Heap h(info[0]);
    void* x = h.at(info[1], g.xBytes(), "x");
    void* dy = h.at(info[2], g.yBytes(), "dy");
    void* dw = h.at(info[3], g.wBytes(), "dw");
    std::string k = cacheKey(g, 0);
    auto it = bwCache.find(k);
    if (it == bwCache.end()) {
      auto pd = backwardWeightsPd(g);
      bool needReorder = !(pd.diff_weights_desc() == g.userW());
      memory blocked = needReorder ? memory(pd.diff_weights_desc(), eng()) : memory();
      it = bwCache.emplace(k, std::make_shared<BwdWeights>(
                                  BwdWeights{pd, convolution_backward_weights(pd), needReorder, blocked})).first;
    }
    BwdWeights& f = *it->second;
    memory user(g.userW(), eng(), dw);
    Act src(g.src(), f.pd.src_desc(), x, 0, true), ddst(g.dst(), f.pd.diff_dst_desc(), dy, 1, true);
    f.prim.execute(strm(), {{DNNL_ARG_SRC, src.used},
                            {DNNL_ARG_DIFF_DST, ddst.used},
                            {DNNL_ARG_DIFF_WEIGHTS, f.needReorder ? f.blocked : user}});
    if (f.needReorder) copyInto(f.blocked, user);
    strm().wait();
    return info.Env().Undefined();
  });
}

// Implementation names oneDNN picked for a geometry: {fwd, bwdData, bwdWeights}.
Napi::Value Impl(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Geom g = readGeom(info[0]);
    auto fwd = forwardPd(g, false, 0, prop_kind::forward_training);
    auto bd = backwardDataPd(g);
    auto bw = backwardWeightsPd(g);
    auto o = Napi::Object::New(info.Env());
    o.Set("forward", std::string(fwd.impl_info_str()));
    o.Set("backwardData", std::string(bd.impl_info_str()));
    o.Set("backwardWeights", std::string(bw.impl_info_str()));
    return o;
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setThreads: need at least 1 thread");
  omp_set_num_threads(n);
  return Napi::Number::New(info.Env(), threads());
}

// setWinograd(on): whether eligible 3x3 convolutions use Winograd; primitives already made keep their algorithm.
Napi::Value SetWinograd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "setWinograd: expected a boolean");
  winogradOn = info[0].As<Napi::Boolean>().Value();
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), threads()); }

Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << v->major << '.' << v->minor << '.' << v->patch;
  return Napi::String::New(info.Env(), s.str());
}

Napi::Value CacheStats(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("primitives", double(fwdCache.size() + bdCache.size() + bwCache.size()));
  o.Set("weightBytes", double(wcache.used));
  o.Set("weightEntries", double(wcache.map.size()));
  o.Set("weightHits", double(wcache.hits));
  o.Set("weightMisses", double(wcache.misses));
  return o;
}

Napi::Value SetWeightCacheBytes(const Napi::CallbackInfo& info) {
  double b = info[0].As<Napi::Number>().DoubleValue();
  if (!(b >= 0)) throw Napi::RangeError::New(info.Env(), "setWeightCacheBytes: need a byte count >= 0");
  wcache.budget = static_cast<size_t>(b);
  while (wcache.used > wcache.budget && !wcache.order.empty()) wcache.drop(wcache.order.back());
  return info.Env().Undefined();
}

Napi::Value ClearCaches(const Napi::CallbackInfo& info) {
  fwdCache.clear();
  bdCache.clear();
  bwCache.clear();
  wcache.clear();
  for (Scratch& sc : scratch) sc.release();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("WholeStep", medft::step::WholeStep::Define(env));
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardWeights", Napi::Function::New(env, ConvBackwardWeights));
  exports.Set("impl", Napi::Function::New(env, Impl));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("setWinograd", Napi::Function::New(env, SetWinograd));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("cacheStats", Napi::Function::New(env, CacheStats));
  exports.Set("setWeightCacheBytes", Napi::Function::New(env, SetWeightCacheBytes));
  exports.Set("clearCaches", Napi::Function::New(env, ClearCaches));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("channelSums", Napi::Function::New(env, ChannelSums));
  exports.Set("channelAffine", Napi::Function::New(env, ChannelAffine));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad));
  return exports;
}

}  // namespace

NODE_API_MODULE(medft_onednn, Init)
