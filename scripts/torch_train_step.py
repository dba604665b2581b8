"""Times a train step of a torchvision backbone with medft's head (global average pooling + dense), for
`medft bench --model`. Run with Debian's python3 (apt install python3-torch python3-torchvision).
Prints one JSON object: forward and train-step seconds of each timed step, threads, versions."""
import argparse
import json
import os
import time

import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument('--model', required=True)
p.add_argument('--size', type=int, required=True)
p.add_argument('--batch', type=int, required=True)
p.add_argument('--steps', type=int, default=5)
p.add_argument('--classes', type=int, default=2)
p.add_argument('--threads', type=int, default=os.cpu_count())
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

def backbone(name):
    m = {
        'resnet50': torchvision.models.resnet50, 'densenet121': torchvision.models.densenet121,
        'vgg19': torchvision.models.vgg19, 'mobilenet_v2': torchvision.models.mobilenet_v2,
    }[name](weights=None)
    if name == 'resnet50':
        return torch.nn.Sequential(*list(m.children())[:-2]), 2048
    if name == 'densenet121':
        return torch.nn.Sequential(m.features, torch.nn.ReLU(inplace=True)), 1024
    if name == 'vgg19':
        return m.features, 512
    return m.features, 1280

features, width = backbone(a.model)
model = torch.nn.Sequential(features, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(width, a.classes))
model.train()
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
loss_fn = torch.nn.CrossEntropyLoss()
x = torch.randn(a.batch, 3, a.size, a.size)
y = torch.arange(a.batch) % a.classes

forward, step = [], []
for i in range(a.steps + 2):  # two warm-up steps
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    out = model(x)
    t1 = time.perf_counter()
    loss = loss_fn(out, y)
    loss.backward()
    opt.step()
    t2 = time.perf_counter()
    if i >= 2:
        forward.append(t1 - t0)
        step.append(t2 - t0)

print(json.dumps({'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads(),
                  'forwardSeconds': forward, 'stepSeconds': step}))
