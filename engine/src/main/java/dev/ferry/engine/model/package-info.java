/**
 * What every architecture shares: the model contract ({@link dev.ferry.engine.model.DecoderModel},
 * the flattened-batch step it computes), what every model holds ({@link
 * dev.ferry.engine.model.DecoderStack}: config, blocks, LM head, the weights' manager) and the
 * layers models are written with (embedding, norms, {@link dev.ferry.engine.model.Linear}, {@link
 * dev.ferry.engine.model.Attention}, activations, rotary tables, weight reading). Each architecture
 * family is a package beside this one ({@code llama}, {@code gpt2}), which {@link
 * dev.ferry.engine.runner.Models} picks by the folder's architecture; the CPU kernels the layers may
 * run on are in {@code cpu}, so that a model's forward never asks where it runs.
 */
package dev.ferry.engine.model;
