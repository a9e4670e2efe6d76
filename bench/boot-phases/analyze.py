#!/usr/bin/env python3
"""Helper of bench/boot-phases.sh (standard library only).

  analyze.py offsets ELF [SYMFILE] NAME...
      For each NAME, "NAME 0xFILEOFFSET" (a uprobe's offset into ELF): NAME is a symbol of ELF's
      or SYMFILE's .symtab (SYMFILE: the detached debug file of a stripped ELF), "@entry" the ELF
      entry point, "~SUFFIX" the one function symbol ending in SUFFIX. A name not found: no line.
  analyze.py buildid ELF
      The GNU build id (hex) of ELF, or nothing.
  analyze.py report [options]
      Reads the ftrace text of the traced blocks and the driver's run files; writes Markdown.

The trace is the text of a tracefs instance (trace_clock mono, options record-tgid) holding
raw_syscalls:sys_enter/sys_exit, sched:sched_process_exec/exit, exceptions:page_fault_user/kernel
and the uprobes LABEL_start (the executable's entry point), LABEL_own (the monitor's own code
begins) and, for a NativeAOT monitor, LABEL_cmain (the native main) and LABEL_mmain
(__managed__Main), for the traced tasks only.
"""
import argparse
import os
import re
import statistics
import struct
import sys

# ---------------------------------------------------------------- ELF
def _elf(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"analyze.py: {path}: not a little-endian ELF64 file")
    return data


def _sections(data):
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    secs = []
    for i in range(shnum):
        name, typ, _flags, addr, off, size, link, _info, _align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        secs.append(dict(name=name, type=typ, addr=addr, off=off, size=size, link=link, entsize=entsize))
    return secs


def _symbols(path):
    """{name: value} of the function symbols in .symtab (type STT_FUNC, defined)."""
    data = _elf(path)
    out = {}
    secs = _sections(data)
    for s in secs:
        if s["type"] != 2:          # SHT_SYMTAB
            continue
        strtab = secs[s["link"]]
        for j in range(s["size"] // 24):
            st_name, st_info, _other, shndx, value, _size = struct.unpack_from("<IBBHQQ", data, s["off"] + j * 24)
            if (st_info & 0xF) != 2 or shndx == 0 or value == 0:
                continue
            o = strtab["off"] + st_name
            name = data[o:data.index(b"\0", o)].decode("ascii", "replace")
            out.setdefault(name, value)
    return out


def _file_offset(data, vaddr):
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        typ, _flags, off, va, _pa, filesz, _memsz, _align = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if typ == 1 and va <= vaddr < va + filesz:   # PT_LOAD
            return vaddr - va + off
    return None


def cmd_offsets(args):
    data = _elf(args[0])
    names = args[1:]
    symfile = None
    if names and not names[0].startswith(("@", "~")) and os.path.isfile(names[0]):
        symfile, names = names[0], names[1:]
    syms = _symbols(args[0])
    if symfile:
        for k, v in _symbols(symfile).items():
            syms.setdefault(k, v)
    for n in names:
        if n == "@entry":
            va, = struct.unpack_from("<Q", data, 0x18)
        elif n.startswith("~"):
            hits = sorted({v for k, v in syms.items() if k.endswith(n[1:])})
            if len(hits) != 1:
                continue
            va = hits[0]
        elif n in syms:
            va = syms[n]
        else:
            continue
        off = _file_offset(data, va)
        if off is not None:
            print(f"{n} 0x{off:x}")


def cmd_buildid(args):
    data = _elf(args[0])
    for s in _sections(data):
        if s["type"] != 7:          # SHT_NOTE
            continue
        o, end = s["off"], s["off"] + s["size"]
        while o + 12 <= end:
            namesz, descsz, typ = struct.unpack_from("<III", data, o)
            name_o = o + 12
            desc_o = name_o + ((namesz + 3) & ~3)
            if typ == 3 and data[name_o:name_o + namesz] == b"GNU\0":
                print(data[desc_o:desc_o + descsz].hex())
                return
            o = desc_o + ((descsz + 3) & ~3)

# ---------------------------------------------------------------- trace
LINE = re.compile(r"^\s*(?P<comm>.*)-(?P<tid>\d+)\s+\(\s*(?P<tgid>[\d-]+)\)\s+\[\d+\]\s+\S+\s+"
                  r"(?P<ts>\d+\.\d+):\s+(?P<ev>\w+):\s?(?P<rest>.*)$")
ENTER = re.compile(r"NR (\d+) \(([^)]*)\)")
EXIT = re.compile(r"NR (\d+) = (-?\d+)")
FAULT = re.compile(r"address=0x([0-9a-f]+)")

SYSCALLS = {
    0: "read", 1: "write", 2: "open", 3: "close", 4: "stat", 5: "fstat", 6: "lstat", 7: "poll",
    8: "lseek", 9: "mmap", 10: "mprotect", 11: "munmap", 12: "brk", 13: "rt_sigaction",
    14: "rt_sigprocmask", 15: "rt_sigreturn", 16: "ioctl", 17: "pread64", 18: "pwrite64",
    20: "writev", 21: "access", 24: "sched_yield", 25: "mremap", 28: "madvise", 32: "dup",
    33: "dup2", 35: "nanosleep", 39: "getpid", 56: "clone", 59: "execve", 60: "exit", 61: "wait4",
    63: "uname", 72: "fcntl", 79: "getcwd", 89: "readlink", 96: "gettimeofday", 97: "getrlimit",
    99: "sysinfo", 102: "getuid", 104: "getgid", 107: "geteuid", 108: "getegid", 110: "getppid",
    131: "sigaltstack", 137: "statfs", 138: "fstatfs", 157: "prctl", 158: "arch_prctl",
    160: "setrlimit", 186: "gettid", 200: "tkill", 202: "futex", 203: "sched_setaffinity",
    204: "sched_getaffinity", 217: "getdents64", 218: "set_tid_address", 228: "clock_gettime",
    230: "clock_nanosleep", 231: "exit_group", 234: "tgkill", 237: "mbind", 239: "get_mempolicy",
    257: "openat", 262: "newfstatat", 270: "pselect6", 271: "ppoll", 273: "set_robust_list",
    283: "timerfd_create", 290: "eventfd2", 291: "epoll_create1", 292: "dup3", 293: "pipe2",
    302: "prlimit64", 317: "seccomp", 318: "getrandom", 319: "memfd_create", 324: "membarrier",
    332: "statx", 334: "rseq", 435: "clone3", 436: "close_range", 439: "faccessat2",
}
KVM_IOCTLS = {
    0xAE00: "KVM_GET_API_VERSION", 0xAE01: "KVM_CREATE_VM", 0xAE03: "KVM_CHECK_EXTENSION",
    0xAE04: "KVM_GET_VCPU_MMAP_SIZE", 0xC008AE05: "KVM_GET_SUPPORTED_CPUID",
    0x4020AE46: "KVM_SET_USER_MEMORY_REGION", 0xAE41: "KVM_CREATE_VCPU", 0xAE80: "KVM_RUN",
    0x8090AE81: "KVM_GET_REGS", 0x4090AE82: "KVM_SET_REGS", 0x8138AE83: "KVM_GET_SREGS",
    0x4138AE84: "KVM_SET_SREGS", 0x4008AE90: "KVM_SET_CPUID2", 0xAEA3: "KVM_GET_TSC_KHZ",
    0xAEA2: "KVM_SET_TSC_KHZ", 0x4004AE86: "KVM_SET_SIGNAL_MASK", 0xC018AE85: "KVM_TRANSLATE",
}
KVM_RUN, KVM_GET_API_VERSION = 0xAE80, 0xAE00
NR_READ, NR_WRITE, NR_CLOSE, NR_MMAP, NR_MUNMAP, NR_IOCTL, NR_PREAD = 0, 1, 3, 9, 11, 16, 17
NR_WRITEV, NR_EXIT, NR_EXIT_GROUP, NR_OPENAT, NR_OPEN = 20, 60, 231, 257, 2
MAP_ANONYMOUS = 0x20


def us(ts):
    s, f = ts.split(".")
    return int(s) * 1_000_000 + int((f + "000000")[:6])


class Call:
    __slots__ = ("tid", "nr", "args", "t0", "t1", "ret")

    def __init__(self, tid, nr, args, t0):
        self.tid, self.nr, self.args, self.t0, self.t1, self.ret = tid, nr, args, t0, None, None

    def name(self):
        if self.nr == NR_IOCTL and len(self.args) > 1:
            cmd = self.args[1]
            if (cmd >> 8) & 0xFF == 0xAE:
                return "ioctl " + KVM_IOCTLS.get(cmd, f"KVM 0x{cmd:x}")
        return SYSCALLS.get(self.nr, f"syscall {self.nr}")


class Proc:
    """One traced process (a thread group), from the driver's fork to its exit."""

    def __init__(self, pid):
        self.pid = pid
        self.calls = []          # in order of entry, every thread
        self.faults = []         # (ts, address, kernel?)
        self.probes = {}         # probe suffix -> first ts
        self.exec_ts = None
        self._open = {}          # tid -> Call awaiting its exit

    def enter(self, tid, nr, args, ts):
        c = Call(tid, nr, args, ts)
        self.calls.append(c)
        self._open[tid] = c

    def exit(self, tid, nr, ret, ts):
        c = self._open.pop(tid, None)
        if c is not None and c.nr == nr:
            c.t1, c.ret = ts, ret


def read_trace(paths, pids):
    procs = {p: Proc(p) for p in pids}
    lost = 0
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("#"):
                    m = re.search(r"entries-in-buffer/entries-written: (\d+)/(\d+)", line)
                    if m and m.group(1) != m.group(2):
                        lost += int(m.group(2)) - int(m.group(1))
                    continue
                m = LINE.match(line)
                if not m:
                    continue
                tgid = m.group("tgid")
                tid = int(m.group("tid"))
                pid = int(tgid) if tgid.isdigit() else tid
                p = procs.get(pid) or procs.get(tid)
                if p is None:
                    continue
                ts = us(m.group("ts"))
                ev, rest = m.group("ev"), m.group("rest")
                if ev == "sys_enter":
                    e = ENTER.match(rest)
                    if e:
                        args = [int(a, 16) for a in e.group(2).split(",") if a.strip()]
                        p.enter(tid, int(e.group(1)), args, ts)
                elif ev == "sys_exit":
                    e = EXIT.match(rest)
                    if e:
                        p.exit(tid, int(e.group(1)), int(e.group(2)), ts)
                elif ev in ("page_fault_user", "page_fault_kernel"):
                    e = FAULT.search(rest)
                    if e:
                        p.faults.append((ts, int(e.group(1), 16), ev == "page_fault_kernel"))
                elif ev == "sched_process_exec":
                    if p.exec_ts is None:
                        p.exec_ts = ts
                else:
                    for suffix in ("_start", "_cmain", "_mmain", "_own"):
                        if ev.endswith(suffix):
                            p.probes.setdefault(suffix[1:], ts)
    return procs, lost


def boundaries(p, t_spawn, t_wait, mem_bytes):
    """The run's boundaries (µs, CLOCK_MONOTONIC), or a string saying what is missing."""
    b = {"spawn": t_spawn, "wait": t_wait, "exec": p.exec_ts}
    b["ld"] = p.probes.get("start")
    b["own"] = p.probes.get("own")
    b["cmain"] = p.probes.get("cmain")
    b["mmain"] = p.probes.get("mmain")
    main = [c for c in p.calls if c.tid == p.pid]
    if b["exec"] is None:
        return "no exec event"
    if b["ld"] is None:
        return "no entry-point probe"
    run = next((c for c in main if c.nr == NR_IOCTL and len(c.args) > 1 and c.args[1] == KVM_RUN), None)
    if run is None:
        return "no KVM_RUN"
    b["run"] = run.t0
    own = b["own"] if b["own"] is not None else b["ld"]
    before = [c for c in main if own <= c.t0 < run.t0]
    api = next((c for c in before if c.nr == NR_IOCTL and c.args[1:2] == [KVM_GET_API_VERSION]), None)
    if api is None:
        return "no KVM_GET_API_VERSION"
    kvm_fd = api.args[0]
    kvm_open = None
    for c in before:
        if c is api:
            break
        if c.nr in (NR_OPENAT, NR_OPEN) and c.ret == kvm_fd:
            kvm_open = c
    b["kvm"] = (kvm_open or api).t0
    vcpu = [c for c in before if c.nr == NR_IOCTL and len(c.args) > 1 and (c.args[1] >> 8) & 0xFF == 0xAE]
    b["vcpu"] = vcpu[-1].t1
    # The image: the first file opened after the monitor's main (not /dev/kvm) that is pread.
    opened, image, image_close = {}, None, None
    for c in before:
        if c.nr in (NR_OPENAT, NR_OPEN) and c.ret is not None and c.ret >= 0 and c is not kvm_open:
            opened[c.ret] = c
        elif c.nr == NR_PREAD and image is None and c.args and c.args[0] in opened:
            image = opened[c.args[0]]
            image_fd = c.args[0]
    if image is None:
        return "no image read (pread64) found"
    image_close = next((c for c in before if c.t0 > image.t0 and c.nr == NR_CLOSE and c.args[:1] == [image_fd]), None)
    done = image_close.t1 if image_close else image.t1
    elf = [(image.t0, done)]
    # A buffer mapped while the image was open (ukvm reads the file into an anonymous mapping,
    # copies the segments into guest memory later and then unmaps it): the copy is the stretch
    # from the system call before that munmap to the munmap's return.
    bufs = {c.ret for c in before if c.nr == NR_MMAP and image.t0 <= c.t0 <= done
            and len(c.args) > 3 and c.args[3] & MAP_ANONYMOUS and c.ret and c.ret > 0}
    prev = None
    for c in before:
        if c.nr == NR_MUNMAP and c.args[:1] and c.args[0] in bufs and c.t1 and prev is not None and prev.t1 and c.t0 > done:
            elf.append((prev.t1, c.t1))
            done = max(done, c.t1)
        prev = c
    b["img"], b["imgdone"] = image.t0, done
    b["setup"], b["setupdone"] = min(b["kvm"], b["img"]), max(b["vcpu"], b["imgdone"])
    b["elf_busy"] = sum(t1 - t0 for t0, t1 in elf)
    inside = sum(max(0, min(t1, b["vcpu"]) - max(t0, b["kvm"])) for t0, t1 in elf)
    b["kvm_busy"] = b["vcpu"] - b["kvm"] - inside
    w = next((c for c in p.calls if c.t0 >= run.t0 and c.nr in (NR_WRITE, NR_WRITEV) and c.args[:1] == [1]), None)
    if w is None:
        return "no write to stdout"
    b["write"] = w.t0
    eg = next((c for c in p.calls if c.nr in (NR_EXIT_GROUP,)), None) or \
        next((c for c in p.calls if c.nr == NR_EXIT and c.tid == p.pid), None)
    b["exitgrp"] = eg.t0 if eg else None
    last_run = [c for c in main if c.nr == NR_IOCTL and len(c.args) > 1 and c.args[1] == KVM_RUN and c.t1]
    b["halt"] = last_run[-1].t1 if last_run else None
    # guest memory: the mapping of exactly the guest's size made before the first KVM_RUN
    gm = next((c for c in before if c.nr == NR_MMAP and len(c.args) > 1 and c.args[1] == mem_bytes and c.ret and c.ret > 0), None)
    b["guestmem"] = (gm.ret, gm.ret + mem_bytes) if gm else None
    for k in ("spawn", "exec", "ld", "own", "setup", "setupdone", "run", "write", "wait"):
        if b.get(k) is None and k != "own":
            return f"no {k} boundary"
    return b


# (label, from, to, indent, sequential?) ; "own" falls back to "ld" when the monitor has no symbol
PHASES = [
    ("1. process start", "spawn", "ld", 0, "posix_spawn → the executable's entry point (`_start`): the dynamic loader is done"),
    ("fork + exec", "spawn", "exec", 1, "posix_spawn → exec done (sched_process_exec)"),
    ("dynamic loader", "exec", "ld", 1, "exec done → `_start`"),
    ("2. runtime start", "ld", "own", 0, "`_start` → the monitor's own code (ukvm: `Program.Main`; cref: `main`)"),
    ("libc start-up", "ld", "cmain", 1, "`_start` → native `main` (libc init, constructors)"),
    (".NET runtime init", "cmain", "mmain", 1, "native `main` → `__managed__Main` (GC heap, threads, cgroups)"),
    ("managed start-up", "mmain", "own", 1, "`__managed__Main` → `Program.Main`"),
    ("main → setup", "own", "setup", 0, "own code → the first open of /dev/kvm or the image (options, checks)"),
    ("3+4. KVM setup and ELF load", "setup", "setupdone", 0, "the first of the two opens → the later of 3 and 4 ending"),
    ("3. KVM setup", "=kvm_busy", None, 1, "open /dev/kvm → the last KVM ioctl before KVM_RUN returns (vCPU configured), less the ELF load inside"),
    ("4. ELF load", "=elf_busy", None, 1, "open the image → close it; plus, if it was read into a buffer, the copy (the call before the buffer's munmap → munmap)"),
    ("5. first guest instruction", "setupdone", "run", 0, "setup done → first KVM_RUN entered"),
    ("6. first console line", "run", "write", 0, "first KVM_RUN → the guest's first write(2) to stdout"),
    ("7. exit", "write", "wait", 0, "first console line → the parent's waitpid returns"),
    ("guest runs to its halt", "write", "halt", 1, "first console line → the last KVM_RUN returns (HALT)"),
    ("monitor's exit path", "halt", "exitgrp", 1, "HALT → exit_group (ukvm closes the vCPU and VM itself)"),
    ("kernel teardown", "exitgrp", "wait", 1, "exit_group → waitpid returns (cref's VM is destroyed here)"),
    ("**total (traced)**", "spawn", "wait", 0, "posix_spawn → waitpid returns"),
]
SEQUENTIAL = [("1. process start", "spawn", "ld"), ("2. runtime start", "ld", "own"),
              ("main → setup", "own", "setup"), ("3+4. KVM setup and ELF load", "setup", "setupdone"),
              ("5. first guest instruction", "setupdone", "run"), ("6. first console line", "run", "write"),
              ("7. exit", "write", "wait")]


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None
    return min(vals), statistics.median(vals)


def fmt(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b < 1:
        return "—"
    return f"{a / b:.2f}"


def span(b, f, t):
    if f.startswith("="):
        return b.get(f[1:])
    if f == "own" and b.get("own") is None:
        f = "ld"
    if t == "own" and b.get("own") is None:
        t = "ld"
    if b.get(f) is None or b.get(t) is None:
        return None
    return b[t] - b[f]


def read_runs(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            for line in f:
                lab, rnd, pid, t0, t1, st = line.split()
                runs.append(dict(label=lab, pid=int(pid), t0=int(t0) / 1000.0, t1=int(t1) / 1000.0, status=int(st)))
    return runs


def opened_files(path):
    """Files the main thread opened before the first KVM_RUN, in order, from an strace -f log
    (openat/ioctl): [(name, ok)]."""
    files, main_pid = [], None
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"(\d+)\s+(.*)$", line)
                if not m:
                    continue
                pid, rest = m.group(1), m.group(2)
                if main_pid is None:
                    main_pid = pid
                if pid != main_pid:
                    continue
                if "KVM_RUN" in rest:
                    break
                m = re.match(r'open(?:at)?\((?:AT_FDCWD, )?"([^"]*)"[^)]*\)\s*=\s*(-?\d+)(?: (\w+))?', rest)
                if m:
                    ok = int(m.group(2)) >= 0
                    files.append((m.group(1) + ("" if ok else f" ({m.group(3) or 'error'})"), ok))
    except OSError:
        return None
    return files


def open_costs(b):
    """For each openat/open of the main thread before the first KVM_RUN, in order: µs from the
    open's entry to the return of the close of its descriptor (or of the open, if not closed)."""
    main = [c for c in b["proc"].calls if c.tid == b["proc"].pid and c.t0 < b["run"]]
    out = []
    for i, c in enumerate(main):
        if c.nr not in (NR_OPENAT, NR_OPEN) or c.t1 is None:
            continue
        end = c.t1
        if c.ret is not None and c.ret >= 0:
            cl = next((d for d in main[i + 1:] if d.nr == NR_CLOSE and d.args[:1] == [c.ret]), None)
            if cl is not None and cl.t1 is not None:
                end = cl.t1
        out.append(end - c.t0)
    return out


def cmd_report(argv):
    ap = argparse.ArgumentParser(prog="analyze.py report")
    ap.add_argument("--traced", nargs="+", required=True, help="run files of the traced blocks")
    ap.add_argument("--trace", nargs="+", required=True, help="ftrace text of the traced blocks")
    ap.add_argument("--untraced", nargs="+", required=True, help="run files of the untraced blocks")
    ap.add_argument("--labels", nargs=2, default=["ukvm", "cref"])
    ap.add_argument("--mem-bytes", type=int, required=True)
    ap.add_argument("--title", default="")
    ap.add_argument("--preamble", default="")
    ap.add_argument("--strace", nargs=2, metavar=("UKVM_LOG", "CREF_LOG"))
    ap.add_argument("--no-symbols", default="", help="labels whose own-code probe is missing")
    a = ap.parse_args(argv)
    L = a.labels
    traced = read_runs(a.traced)
    untraced = read_runs(a.untraced)
    procs, lost = read_trace(a.trace, [r["pid"] for r in traced])
    per = {l: [] for l in L}
    excluded = {l: [] for l in L}
    for r in traced:
        if r["label"] not in per:
            continue
        if r["status"] != 0:
            excluded[r["label"]].append(f"exit status {r['status']}")
            continue
        b = boundaries(procs[r["pid"]], r["t0"], r["t1"], a.mem_bytes)
        if isinstance(b, str):
            excluded[r["label"]].append(b)
            continue
        b["proc"] = procs[r["pid"]]
        per[r["label"]].append(b)
    for l in L:
        if not per[l]:
            raise SystemExit(f"analyze.py: no complete traced run of {l} ({'; '.join(sorted(set(excluded[l])))})")

    out = []
    w = out.append
    if a.title:
        w(a.title)
        w("")
    if a.preamble:
        w(a.preamble)
        w("")
    n = {l: len(per[l]) for l in L}
    w(f"| phase | from → to | {L[0]} min | {L[0]} median | {L[1]} min | {L[1]} median | ratio min | ratio median |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    own_missing = set(a.no_symbols.split(",")) - {""}
    for label, f, t, indent, desc in PHASES:
        cells = []
        s = {}
        for l in L:
            if indent and (f in ("cmain", "mmain") or t in ("cmain", "mmain")) and per[l][0].get("cmain") is None:
                s[l] = (None, None)
            elif t == "own" and l in own_missing:
                s[l] = (None, None)
            elif f == "own" and l in own_missing:     # no symbol: from _start, runtime start included
                s[l] = stats([span(b, "ld", t) for b in per[l]])
            else:
                s[l] = stats([span(b, f, t) for b in per[l]])
        for l in L:
            cells += [fmt(s[l][0]), fmt(s[l][1])]
        name = ("&nbsp;&nbsp;&nbsp;&nbsp;" + label) if indent else label
        w(f"| {name} | {desc} | {' | '.join(cells)} | {ratio(s[L[0]][0], s[L[1]][0])} | {ratio(s[L[0]][1], s[L[1]][1])} |")
    ut = {l: stats([(r["t1"] - r["t0"]) for r in untraced if r["label"] == l and r["status"] == 0]) for l in L}
    cells = []
    for l in L:
        cells += [fmt(ut[l][0]), fmt(ut[l][1])]
    w(f"| **total (untraced)** | the same, in the untraced runs | {' | '.join(cells)} | "
      f"{ratio(ut[L[0]][0], ut[L[1]][0])} | {ratio(ut[L[0]][1], ut[L[1]][1])} |")
    w("")
    nu = {l: sum(1 for r in untraced if r["label"] == l and r["status"] == 0) for l in L}
    w(f"Times in µs. {n[L[0]]} traced runs of {L[0]}, {n[L[1]]} of {L[1]}; {nu[L[0]]} and {nu[L[1]]} untraced."
      " Indented rows split the phase above them; 3 and 4 overlap each other (see the note), the"
      " unindented rows follow one another and add up, run by run, to the total (their minima and"
      " medians need not).")
    for l in sorted(own_missing):
        w(f"{l}: no symbol for its main, so its runtime start is not measured apart: \"main → setup\" runs from `_start`.")
    for l in L:
        if excluded[l]:
            w(f"Excluded {l} runs: {len(excluded[l])} ({'; '.join(sorted(set(excluded[l])))}).")
    if lost:
        w(f"**The trace buffer dropped {lost} events**: runs missing a boundary were excluded.")
    w("")

    # tracer overhead
    tt = {l: stats([span(b, "spawn", "wait") for b in per[l]]) for l in L}
    w("Tracer overhead (total time, traced against untraced runs of the same blocks):")
    w("")
    w("| monitor | untraced min / median (µs) | traced min / median (µs) | overhead min / median |")
    w("| --- | ---: | ---: | ---: |")
    for l in L:
        om = (tt[l][0] / ut[l][0] - 1) * 100 if ut[l][0] else None
        od = (tt[l][1] / ut[l][1] - 1) * 100 if ut[l][1] else None
        w(f"| {l} | {fmt(ut[l][0])} / {fmt(ut[l][1])} | {fmt(tt[l][0])} / {fmt(tt[l][1])} | "
          f"{'—' if om is None else f'{om:+.0f} %'} / {'—' if od is None else f'{od:+.0f} %'} |")
    w("")

    # counts per phase
    def count(b, f, t, what):
        lo, hi = b.get(f), b.get(t)
        if f == "own" and lo is None:
            lo = b["ld"]
        if t == "own" and hi is None:
            hi = b["ld"]
        if lo is None or hi is None:
            return None
        p = b["proc"]
        if what == "sys":
            return sum(1 for c in p.calls if lo <= c.t0 < hi)
        return sum(1 for ts, _a, _k in p.faults if lo <= ts < hi)

    w("System calls and page faults per phase (median per run; every thread of the monitor):")
    w("")
    w(f"| phase | {L[0]} syscalls | {L[1]} syscalls | {L[0]} page faults | {L[1]} page faults |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for label, f, t in SEQUENTIAL + [("total", "spawn", "wait")]:
        cells = []
        for what in ("sys", "pf"):
            for l in L:
                cells.append(fmt(stats([count(b, f, t, what) for b in per[l]])[1]))
        w(f"| {label} | {' | '.join(cells)} |")
    gm = {}
    for l in L:
        vals = []
        for b in per[l]:
            if b["guestmem"] is None:
                continue
            lo, hi = b["guestmem"]
            vals.append(sum(1 for ts, addr, _k in b["proc"].faults if ts < b["run"] and lo <= addr < hi))
        gm[l] = stats(vals)[1]
    w("")
    w(f"Page faults on guest memory before the first KVM_RUN (the monitor's own writes: image, page tables,"
      f" boot info; median): {L[0]} {fmt(gm[L[0]])}, {L[1]} {fmt(gm[L[1]])}.")
    w("")

    # syscalls from exec to the first KVM_RUN, by name
    def by_name(b, lo_key, hi_key):
        lo, hi = b[lo_key], b[hi_key]
        cnt, tim = {}, {}
        for c in b["proc"].calls:
            if lo <= c.t0 < hi and c.tid == b["proc"].pid:
                k = c.name()
                cnt[k] = cnt.get(k, 0) + 1
                if c.t1 is not None:
                    tim[k] = tim.get(k, 0) + (c.t1 - c.t0)
        return cnt, tim

    names = {}
    data = {l: [by_name(b, "exec", "run") for b in per[l]] for l in L}
    for l in L:
        for cnt, _t in data[l]:
            for k in cnt:
                names[k] = names.get(k, 0) + (cnt[k] if l == L[0] else 0)
    def med(l, k, i):
        return statistics.median([d[i].get(k, 0) for d in data[l]])
    rows = sorted(names, key=lambda k: (-med(L[0], k, 1), -med(L[0], k, 0), k))
    others = {l: statistics.median([sum(1 for c in b["proc"].calls if b["exec"] <= c.t0 < b["run"] and c.tid != b["proc"].pid)
                                     for b in per[l]]) for l in L}
    w(f"System calls of the main thread from exec to the first KVM_RUN, by name (median count per run, and"
      f" median µs spent inside them), {L[0]} against {L[1]} (other threads meanwhile, median: {L[0]}"
      f" {fmt(others[L[0]])}, {L[1]} {fmt(others[L[1]])} calls):")
    w("")
    w(f"| syscall | {L[0]} calls | {L[0]} µs inside | {L[1]} calls | {L[1]} µs inside |")
    w("| --- | ---: | ---: | ---: | ---: |")
    small, rest = [], [0, 0, 0, 0]
    for k in rows:
        vals = [med(L[0], k, 0), med(L[0], k, 1), med(L[1], k, 0), med(L[1], k, 1)]
        if max(vals[1], vals[3]) < 5:       # calls that cost under 5 µs in both: one row
            small.append(k)
            rest = [x + v for x, v in zip(rest, vals)]
            continue
        w(f"| {k} | {fmt(vals[0])} | {fmt(vals[1])} | {fmt(vals[2])} | {fmt(vals[3])} |")
    if small:
        w(f"| others, under 5 µs in both ({', '.join(small)}) | {fmt(rest[0])} | {fmt(rest[1])} | {fmt(rest[2])} | {fmt(rest[3])} |")
    totals = {l: (statistics.median([sum(d[0].values()) for d in data[l]]),
                  statistics.median([sum(d[1].values()) for d in data[l]])) for l in L}
    w(f"| **all** | **{fmt(totals[L[0]][0])}** | **{fmt(totals[L[0]][1])}** | **{fmt(totals[L[1]][0])}** | **{fmt(totals[L[1]][1])}** |")
    w("")
    if a.strace:
        lists = [opened_files(p) for p in a.strace]
        if all(x is not None for x in lists):
            w("Files the main thread opens before the first KVM_RUN (names from one run under `strace -f`, not"
              " timed; µs from the open to the return of its close, median over the traced runs, where the"
              " traced opens match strace's one for one):")
            w("")
            for l, fl in zip(L, lists):
                costs = [open_costs(b) for b in per[l]]
                match = all(len(c) == len(fl) for c in costs)
                if match and fl:
                    med = [statistics.median(c[i] for c in costs) for i in range(len(fl))]
                    shown = ", ".join(f"`{name}` {fmt(m)}" for (name, _ok), m in zip(fl, med))
                    shown += f"; in all {fmt(sum(med))} µs"
                else:
                    shown = ", ".join(f"`{name}`" for name, _ok in fl) if fl else "none"
                w(f"- {l} ({len(fl)}): {shown}")
            w("")
    sys.stdout.write("\n".join(out).rstrip() + "\n")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "offsets":
        cmd_offsets(rest)
    elif cmd == "buildid":
        cmd_buildid(rest)
    elif cmd == "report":
        cmd_report(rest)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
