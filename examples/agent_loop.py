"""A tiny agent loop: a local OpenAI-compatible model drives framesift's MCP tools.

The MCP SDK's client starts ``framesift mcp`` over stdio; the tools it lists become the model's
function-calling tools; tool results (a text block with each frame's true time, then the image)
go back to the model, the images in a user message (Chat Completions carries images only there).

    pip install 'framesift[mcp]'
    vllm serve Qwen/Qwen2.5-VL-7B-Instruct --enable-auto-tool-choice --tool-call-parser hermes
    python examples/agent_loop.py examples/demo.mp4 "What is written on the whiteboard?" \\
        --vlm-url http://localhost:8000/v1 --model Qwen/Qwen2.5-VL-7B-Instruct

``framesift ask`` is the same loop built in (with a one-shot fallback for endpoints without
function calling); this file shows how any agent framework plugs the MCP tools in.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.request
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters


def chat(url: str, body: dict) -> dict:
    req = urllib.request.Request(
        url.rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=300) as resp:
        return json.loads(resp.read())


def to_parts(blocks) -> tuple[str, list[dict]]:
    """MCP content blocks -> (all text, OpenAI user-message parts with each image after its caption)."""
    texts, parts = [], []
    for b in blocks:
        if b.type == "text":
            texts.append(b.text)
            parts.append({"type": "text", "text": b.text})
        elif b.type == "image":
            parts.append({"type": "image_url", "image_url": {"url": f"data:{b.mime_type};base64,{b.data}"}})
    return "\n".join(texts), parts


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("video", type=Path)
    ap.add_argument("question")
    ap.add_argument("--vlm-url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--turns", type=int, default=4)
    args = ap.parse_args()
    video = args.video.resolve()
    server = StdioServerParameters(
        command="framesift",
        args=["mcp", "--root", str(video.parent), "--budget", "32", "--max-side", "512"],
        env=dict(os.environ),  # FRAMESIFT_CACHE etc.; the SDK passes only a minimal environment otherwise
    )
    async with Client(server) as mcp:
        tools = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
            }
            for t in (await mcp.list_tools()).tools
            if t.name in ("get_frames", "get_words")
        ]
        first = await mcp.call_tool("select_frames", {"video": str(video), "question": args.question, "budget": 8})
        _, parts = to_parts(first.content)
        messages = [
            {
                "role": "system",
                "content": f"Answer questions about the video {video}. Each image follows its time. "
                "Call get_frames to look closer at a span, get_words to read what is said or written.",
            },
            {"role": "user", "content": [{"type": "text", "text": args.question}, *parts]},
        ]
        for turn in range(args.turns):
            body = {"model": args.model, "messages": messages, "max_tokens": 512}
            if turn < args.turns - 1:
                body["tools"] = tools
            msg = chat(args.vlm_url, body)["choices"][0]["message"]
            if not msg.get("tool_calls"):
                print(msg.get("content") or "")
                return 0
            messages.append({"role": "assistant", "content": msg.get("content") or "", "tool_calls": msg["tool_calls"]})
            images: list[dict] = []
            for call in msg["tool_calls"]:
                fn = call["function"]
                call_args = json.loads(fn["arguments"] or "{}") | {"video": str(video)}
                result = await mcp.call_tool(fn["name"], call_args)
                text, parts = to_parts(result.content)
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": text})
                images += parts if any(p["type"] == "image_url" for p in parts) else []
            if images:
                messages.append({"role": "user", "content": images})
    print("(no answer within the turn limit)")
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
