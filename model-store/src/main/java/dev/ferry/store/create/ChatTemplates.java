package dev.ferry.store.create;

/** Chat templates of the folders {@code ferry model create} writes, in the Jinja dialect of transformers. */
final class ChatTemplates {
    /** Llama 3's header format; the header markers are plain text here, only {@code <|eot_id|>} is special. */
    static final String LLAMA = "{{- bos_token }}"
            + "{%- for message in messages %}"
            + "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
            + " + message['content'] | trim + '<|eot_id|>' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

    /** ChatML, as Qwen2 uses. */
    static final String CHATML = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    /** {@link ChatStyle#REASONING}: Qwen3's ChatML with tools, thinking opened by the generation prompt. */
    static final String REASONING = "{%- if tools %}"
            + "{{- '<|im_start|>system\\n# Tools\\n\\n<tools>' }}"
            + "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
            + "{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments"
            + " within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\"name\": <function-name>, \"arguments\":"
            + " <args-json-object>}\\n</tool_call><|im_end|>\\n' }}"
            + "{%- endif %}"
            + "{%- for message in messages %}"
            + "{%- if message.role == 'tool' %}"
            + "{{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}"
            + "{%- else %}"
            + "{{- '<|im_start|>' + message.role + '\\n' }}{%- if message.content %}{{- message.content }}{%- endif %}"
            + "{%- for call in message.tool_calls %}"
            + "{{- '<tool_call>\\n{\"name\": \"' + call.function.name + '\", \"arguments\": ' }}"
            + "{{- call.function.arguments | tojson }}{{- '}\\n</tool_call>' }}"
            + "{%- endfor %}"
            + "{{- '<|im_end|>\\n' }}"
            + "{%- endif %}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}"
            + "{{- '<|im_start|>assistant\\n<think>\\n' }}"
            + "{%- if enable_thinking is defined and not enable_thinking %}{{- '\\n</think>\\n\\n' }}{%- endif %}"
            + "{%- endif %}";

    private ChatTemplates() {
    }
}
