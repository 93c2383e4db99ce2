/**
 * The CPU kernels behind the shared layers (OpenBLAS, Ferry's native C kernels, SIMD Java on the
 * Vector API, the partner thread they share products with) and the tuner that picks a dense layer's
 * form. The kernels stay package-private; the layers reach them through a few doors: {@link
 * dev.ferry.engine.model.cpu.HostProduct} for dense layers, {@link
 * dev.ferry.engine.model.cpu.HostRopeWrite} and {@link dev.ferry.engine.model.cpu.HostAttention} for
 * attention, {@link dev.ferry.engine.model.cpu.SwiGluKernel} for the gated MLP.
 */
package dev.ferry.engine.model.cpu;
