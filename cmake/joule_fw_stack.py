#!/usr/bin/env python3
"""Worst-case stack depth of a Cortex-M firmware image, from its disassembly.

Every function's frame is read from its prologue (push/stmdb sp!, vpush, sub sp, #imm),
the call graph from its bl/blx and tail-call branches; the deepest path from each root
is summed. Library code (libc, libgcc) is covered as well, since it is analysed in the
linked image. An interrupt can preempt the deepest point of the main path, so the
total adds each ISR's worst case plus the hardware exception frame (26 words with the
FPU's lazy-stacked context). Reports dynamic SP adjustments, recursion and indirect
calls it cannot follow.

usage: joule_fw_stack.py OBJDUMP IMAGE.elf --root main --isr joule_uart_rx_isr [--ignore-indirect F ...]
"""
import argparse
import re
import subprocess
import sys

FUNC = re.compile(r"^([0-9a-f]+) <(.+)>:$")
INSN = re.compile(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$")
TARGET = re.compile(r"^([0-9a-f]+) <([^>+]+)>")
EXCEPTION_FRAME_FPU = 26 * 4  # R0-R3, R12, LR, PC, xPSR + S0-S15, FPSCR, reserved


def reg_count(text):
    regs = re.search(r"\{([^}]*)\}", text)
    if not regs:
        return 0
    n = 0
    for part in regs.group(1).split(","):
        part = part.strip()
        m = re.match(r"([a-z]+)(\d+)-[a-z]+(\d+)", part)
        n += int(m.group(3)) - int(m.group(2)) + 1 if m else 1
    return n


def parse(objdump, elf):
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], check=True, capture_output=True, text=True).stdout
    funcs = {}  # name -> dict(addr, frame, calls:set, indirect:bool, dynamic:bool)
    starts = {}
    cur = None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            cur = {"addr": int(m.group(1), 16), "frame": 0, "calls": set(), "indirect": False, "dynamic": False, "n": 0}
            funcs[m.group(2)] = cur
            starts[int(m.group(1), 16)] = m.group(2)
            continue
        m = INSN.match(line)
        if not m or cur is None:
            continue
        op, args = m.group(2), m.group(3).split(";")[0].split("@")[0].strip()
        cur["n"] += 1
        if cur["n"] <= 16:  # the prologue
            if op in ("push", "push.w") or (op.startswith("stmdb") and args.startswith("sp!")):
                cur["frame"] += 4 * reg_count(args)
            elif op.startswith("vpush"):
                cur["frame"] += 8 * reg_count(args) if "d" in args else 4 * reg_count(args)
            elif op in ("sub", "sub.w", "subw") and args.startswith("sp,"):
                imm = re.search(r"#(\d+)", args)
                if imm:
                    cur["frame"] += int(imm.group(1))
                else:
                    cur["dynamic"] = True
        elif op.startswith("sub") and args.startswith("sp,") and "#" not in args:
            cur["dynamic"] = True
        if op in ("bl", "blx") and not args.startswith("r") and not args.startswith("ip") and not args.startswith("lr"):
            t = TARGET.match(args)
            if t:
                cur["calls"].add(int(t.group(1), 16))
        elif op.startswith("blx") or (op.startswith("bx") and not args.startswith("lr")):
            cur["indirect"] = True  # call or tail call through a register
        elif op.startswith("b") and not op.startswith(("bl", "bx", "bic")):
            t = TARGET.match(args)
            if t and "+" not in args.split("<", 1)[1]:
                cur["calls"].add(int(t.group(1), 16))  # tail call to a function start
    for name, f in funcs.items():
        f["calls"] = {starts[a] for a in f["calls"] if a in starts and starts[a] != name}
    return funcs


def worst(funcs, root, ignore):
    memo, notes = {}, set()

    def depth(name, stack):
        if name in memo:
            return memo[name]
        if name in stack:
            notes.add("recursion through " + name + " (not bounded here)")
            return (0, [name])
        f = funcs.get(name)
        if f is None:
            return (0, [name])
        if f["indirect"] and name not in ignore:
            notes.add("indirect call in " + name + " (not followed)")
        if f["dynamic"]:
            notes.add("dynamic stack adjustment in " + name)
        best = (0, [])
        for c in sorted(f["calls"]):
            d = depth(c, stack | {name})
            if d[0] > best[0]:
                best = d
        memo[name] = (f["frame"] + best[0], [name] + best[1])
        return memo[name]

    return depth(root, frozenset()), notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("objdump")
    ap.add_argument("elf")
    ap.add_argument("--root", default="main")
    ap.add_argument("--isr", action="append", default=[])
    ap.add_argument("--ignore-indirect", action="append", default=[])
    a = ap.parse_args()
    funcs = parse(a.objdump, a.elf)
    (main_depth, path), notes = worst(funcs, a.root, set(a.ignore_indirect))
    total = main_depth
    isr_text = ""
    for isr in a.isr:
        (d, _), n = worst(funcs, isr, set(a.ignore_indirect))
        notes |= n
        total += d + EXCEPTION_FRAME_FPU
        isr_text += f" + {isr} {d} B + exception frame {EXCEPTION_FRAME_FPU} B"
    cxxfilt = re.sub(r"objdump$", "c++filt", a.objdump)
    short = subprocess.run([cxxfilt, "-p"], input="\n".join(path), capture_output=True, text=True).stdout.split("\n")
    short = [s for s in short if s]
    print(f"worst-case stack (static, from the disassembly): {a.root} {main_depth} B{isr_text} = {total} B")
    names = short if len(short) == len(path) else path
    frames = [funcs[n]["frame"] if n in funcs else 0 for n in path]
    print("  deepest path (frame bytes): " + " -> ".join(f"{n} {b}" for n, b in zip(names, frames)))
    for n in sorted(notes):
        print("  note: " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
