#!/usr/bin/env python3
"""Hugging Face transformers reference for Ferry's GPU benchmark (dev.ferry.bench.GpuBenchmark).

Loads the same model folder in fp16 and runs the same static-batch workload: N random prompts of
--prompt tokens, all the same length (so no padding), each generating exactly --new tokens greedily
with EOS disabled. Times with torch.cuda.synchronize after one warm-up per shape. Writes one flat
JSON object (rewritten after every batch size, so a run cut short keeps what it measured); a batch
size that fails (out of memory, say) is recorded as e2e_n<N>_error and the next one still runs.

usage: python3 bench/gpu/hf_reference.py --model DIR [--prompt 512] [--new 128]
           [--batches 1,32,128,256] [--prefill-batch 8] [--attn sdpa] [--device cuda]
           [--out hf-reference.json]

Keys match GpuBenchmark's where they measure the same thing: prefill_1x512_ms, prefill_8x512_tok_s,
e2e_n<N>_s, e2e_n<N>_prefill_s, e2e_n<N>_tok_s; decode_b<N>_step_ms_est is
(e2e time - prefill time) / (new - 1).
"""
import argparse
import gc
import json
import os
import statistics
import sys
import time
import traceback


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="model folder (config.json + model.safetensors)")
    p.add_argument("--prompt", type=int, default=512, help="prompt tokens per request")
    p.add_argument("--new", type=int, default=128, help="tokens generated per request")
    p.add_argument("--batches", default="1,32,128,256", help="static batch sizes")
    p.add_argument("--prefill-batch", type=int, default=8, help="prompts in the batched prefill measurement")
    p.add_argument("--repeats", type=int, default=5, help="timed prefill repeats (median)")
    p.add_argument("--attn", default="sdpa", help="attn_implementation: sdpa or eager")
    p.add_argument("--device", default="cuda", help="cuda (fp16) or cpu (fp32, for a syntax-level dry run)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="hf-reference.json")
    return p.parse_args()


class Reference:
    def __init__(self, args, torch):
        self.args = args
        self.torch = torch
        self.results = {}
        self.cuda = args.device.startswith("cuda")
        self.dtype = torch.float16 if self.cuda else torch.float32

    def save(self):
        tmp = self.args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.results, f, indent=2)
        os.replace(tmp, self.args.out)

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def load(self):
        import transformers
        from transformers import AutoModelForCausalLM

        torch = self.torch
        r = self.results
        r["model"] = os.path.basename(os.path.normpath(self.args.model))
        r["device"] = torch.cuda.get_device_name(0) if self.cuda else "cpu"
        r["dtype"] = str(self.dtype).replace("torch.", "")
        r["torch"] = torch.__version__
        r["transformers"] = transformers.__version__
        r["attn_implementation"] = self.args.attn
        r["prompt_tokens"] = self.args.prompt
        r["new_tokens"] = self.args.new
        t0 = time.perf_counter()
        # transformers 5 calls it dtype; 4.x torch_dtype
        dtype_kw = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
        model = AutoModelForCausalLM.from_pretrained(
            self.args.model, attn_implementation=self.args.attn, **{dtype_kw: self.dtype})
        model = model.to(device=self.args.device, dtype=self.dtype).eval()
        gc_ = model.generation_config
        gc_.eos_token_id = None  # never stop early: every request generates exactly --new tokens
        gc_.pad_token_id = 0
        self.sync()
        r["load_s"] = round(time.perf_counter() - t0, 3)
        r["parameters"] = sum(p.numel() for p in model.parameters())
        self.model = model
        self.vocab = model.config.vocab_size
        self.gen = torch.Generator(device="cpu").manual_seed(self.args.seed)
        self.save()

    def prompts(self, n):
        ids = self.torch.randint(0, self.vocab, (n, self.args.prompt), generator=self.gen)
        return ids.to(self.args.device)

    def prefill_once(self, ids):
        """One forward over whole prompts with a fresh KV cache, logits for the last position only."""
        try:
            return self.model(input_ids=ids, use_cache=True, logits_to_keep=1)
        except TypeError:  # transformers without logits_to_keep
            return self.model(input_ids=ids, use_cache=True)

    def timed(self, fn, repeats, warmup=1):
        times = []
        for i in range(warmup + repeats):
            self.sync()
            t0 = time.perf_counter()
            out = fn()
            self.sync()
            if i >= warmup:
                times.append(time.perf_counter() - t0)
            del out
        return statistics.median(times)

    def generate(self, ids, new):
        out = self.model.generate(
            input_ids=ids, attention_mask=self.torch.ones_like(ids), do_sample=False,
            min_new_tokens=new, max_new_tokens=new, eos_token_id=None, pad_token_id=0)
        return out.shape[1] - ids.shape[1]

    def prefill(self):
        p, k = self.args.prompt, self.args.prefill_batch
        with self.torch.inference_mode():
            one = self.prompts(1)
            t = self.timed(lambda: self.prefill_once(one), self.args.repeats)
            self.results["prefill_1x%d_ms" % p] = round(t * 1000, 3)
            self.results["prefill_1x%d_tok_s" % p] = round(p / t, 1)
            many = self.prompts(k)
            t = self.timed(lambda: self.prefill_once(many), self.args.repeats)
            self.results["prefill_%dx%d_ms" % (k, p)] = round(t * 1000, 3)
            self.results["prefill_%dx%d_tok_s" % (k, p)] = round(k * p / t, 1)

    def end_to_end(self, n):
        new, r = self.args.new, self.results
        key = "e2e_n%d" % n
        with self.torch.inference_mode():
            ids = self.prompts(n)
            if self.cuda:
                self.torch.cuda.reset_peak_memory_stats()
            self.generate(ids, 4)  # warm-up: this batch's prefill and decode shapes
            prefill_s = self.timed(lambda: self.prefill_once(ids), 1, warmup=0)
            self.sync()
            t0 = time.perf_counter()
            got = self.generate(ids, new)
            self.sync()
            total = time.perf_counter() - t0
        if got != new:
            r[key + "_generated"] = got
        r[key + "_s"] = round(total, 3)
        r[key + "_prefill_s"] = round(prefill_s, 3)
        r[key + "_tok_s"] = round(n * new / total, 1)
        if new > 1:
            r["decode_b%d_step_ms_est" % n] = round((total - prefill_s) / (new - 1) * 1000, 3)
        if self.cuda:
            r[key + "_peak_GiB"] = round(self.torch.cuda.max_memory_allocated() / 2**30, 2)

    def part(self, name, fn):
        """Runs one part; a failure (out of memory included) is recorded and the next part still runs."""
        t0 = time.perf_counter()
        print("hf-reference: %s ..." % name, file=sys.stderr, flush=True)
        try:
            fn()
        except Exception as e:  # torch.cuda.OutOfMemoryError is a RuntimeError
            msg = "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else "")
            self.results[name + "_error"] = msg[:300]
            print("hf-reference: %s failed: %s" % (name, msg), file=sys.stderr)
            traceback.print_exc()
        finally:
            gc.collect()
            if self.cuda:
                self.torch.cuda.empty_cache()
        print("hf-reference: %s done in %.1f s" % (name, time.perf_counter() - t0), file=sys.stderr, flush=True)
        self.save()


def main():
    args = parse_args()
    t0 = time.perf_counter()
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("hf-reference: CUDA is not available to this torch (%s)" % torch.__version__)
    ref = Reference(args, torch)
    ref.load()
    ref.part("prefill", ref.prefill)
    for n in [int(b) for b in args.batches.split(",") if b.strip()]:
        ref.part("e2e_n%d" % n, lambda n=n: ref.end_to_end(n))
    ref.results["total_s"] = round(time.perf_counter() - t0, 1)
    ref.save()
    width = max(len(k) for k in ref.results)
    for k, v in ref.results.items():
        print("%-*s  %s" % (width, k, v))


if __name__ == "__main__":
    main()
