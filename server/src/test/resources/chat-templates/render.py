#!/usr/bin/env python3
"""Renders each chat template here for each conversation in conversations.json the way
transformers' apply_chat_template does, and writes expected.json, the fixture ChatTemplateExactTest
compares Ferry's Jinjava rendering with.

Run from this folder with Debian's python3-jinja2 (no transformers needed):  python3 render.py

transformers' setup, as in transformers/utils/chat_template_utils.py (_compile_jinja_template):
an ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, the loopcontrols extension,
a tojson filter that is json.dumps(x, ensure_ascii=False) (indent, separators, sort_keys passed
through), and the globals raise_exception and strftime_now. render() gets messages, tools (None
when there are none), documents (None), add_generation_prompt, the special tokens, and the
request's extra variables (enable_thinking). A template that raises is recorded as an error.
"""
import json
from datetime import datetime

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    spec = json.load(open("conversations.json", encoding="utf-8"))
    env = environment()
    expected = {}
    for name, t in spec["templates"].items():
        template = env.from_string(open(t["file"], encoding="utf-8").read())
        for case, c in spec["conversations"].items():
            try:
                text = template.render(messages=c["messages"], tools=spec["tools"] if c.get("tools") else None,
                                       documents=None, add_generation_prompt=c["add_generation_prompt"],
                                       bos_token=t["bos_token"], eos_token=t["eos_token"], **c.get("variables", {}))
                expected[name + "/" + case] = {"text": text}
            except Exception as e:  # the template rejects the conversation, as it would in transformers
                expected[name + "/" + case] = {"error": "%s: %s" % (type(e).__name__, e)}
    with open("expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
