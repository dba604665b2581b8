{
  "targets": [
    {
      "target_name": "medft_onednn",
      "sources": ["src/medft_onednn.cc", "src/optimizer_update.cc", "src/max_pool_grad.cc", "src/channel_sums.cc", "src/channel_passes.cc",
                  "src/step/step_graph.cc", "src/step/step_network.cc", "src/step/step_ops.cc", "src/step/step_binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti", "-fopenmp", "-ffp-contract=off", "-fno-math-errno"],
      "libraries": ["-ldnnl", "-lgomp", "-fopenmp"]
    }
  ]
}
