/**
 * The convolutions of Keras ResNet-50 v1 at a given input size, as the kernel benchmark measures them.
 * (Strides sit on the first 1×1 conv of each stage's first block and on its shortcut; 3×3 convs are 'same'.)
 */
export interface ConvShape {
  name: string;
  /** Input spatial size (square) of this conv, after any explicit zero padding. */
  inSize: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
  /** How many convs of the network have exactly this shape. */
  count: number;
}

export function resnet50ConvShapes(imageSize: number): ConvShape[] {
  const shapes = new Map<string, ConvShape>();
  const add = (s: Omit<ConvShape, 'count' | 'name'>) => {
    const name = `${s.k}x${s.k}${s.stride > 1 ? ` s${s.stride}` : ''} ${s.inC}->${s.outC} @${s.inSize}`;
    const seen = shapes.get(name);
    if (seen) seen.count++;
    else shapes.set(name, { ...s, name, count: 1 });
  };
  add({ inSize: imageSize + 6, inC: 3, outC: 64, k: 7, stride: 2, pad: 'valid' });
  let size = Math.floor((imageSize + 6 - 7) / 2) + 1; // conv1
  size = Math.floor((size + 2 - 3) / 2) + 1; // zero-pad 1 + max-pool 3×3 stride 2
  let inC = 64;
  const stages = [
    { width: 64, blocks: 3, stride: 1 },
    { width: 128, blocks: 4, stride: 2 },
    { width: 256, blocks: 6, stride: 2 },
    { width: 512, blocks: 3, stride: 2 },
  ];
  for (const st of stages) {
    const outC = st.width * 4;
    for (let b = 0; b < st.blocks; b++) {
      const stride = b === 0 ? st.stride : 1;
      const outSize = stride === 1 ? size : Math.floor((size - 1) / stride) + 1;
      add({ inSize: size, inC, outC: st.width, k: 1, stride, pad: 'valid' });
      add({ inSize: outSize, inC: st.width, outC: st.width, k: 3, stride: 1, pad: 'same' });
      add({ inSize: outSize, inC: st.width, outC, k: 1, stride: 1, pad: 'valid' });
      if (b === 0) add({ inSize: size, inC, outC, k: 1, stride, pad: 'valid' });
      size = outSize;
      inC = outC;
    }
  }
  return [...shapes.values()];
}
