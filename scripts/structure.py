#!/usr/bin/env python3
"""structure.py: figures on the shape of the code, for reviews and closing notes.

  scripts/structure.py cycles BUILD_DIR [FOLDER...]   file-level call graph of each folder's
                                                     objects (from nm), its cycles (strongly
                                                     connected components) and the edges in them
  scripts/structure.py functions [N] [PATH...]        the N longest functions (ctags line spans)
  scripts/structure.py files [PATH...]                files per folder and the longest files

The call graph is read from the object files of a build (cmake --build BUILD_DIR first): an
edge A -> B means A.c calls (or reads) a global that B.c defines.  Only edges between files
of the same folder are counted.
"""
import os
import subprocess
import sys


def objects_for(build, folder):
    """Maps each .c of src/<folder> to its object file in |build| (None if not built)."""
    src = os.path.join("src", folder)
    found = {}
    for root, _, files in os.walk(build):
        for f in files:
            if f.endswith(".c.o") and ("/src/%s/" % folder) in (root + "/"):
                found[f[:-2]] = os.path.join(root, f)
    out = {}
    for f in sorted(os.listdir(src)):
        if f.endswith(".c"):
            out[f] = found.get(f)
    return out


def nm(path, flag):
    res = subprocess.run(["nm", flag, path], capture_output=True, text=True, check=True)
    syms = set()
    for line in res.stdout.splitlines():
        parts = line.split()
        if flag == "-u" and len(parts) >= 2:
            syms.add(parts[-1])
        elif flag == "--defined-only" and len(parts) == 3 and parts[1].isupper():
            syms.add(parts[2])
    return syms


def sccs(nodes, edges):
    """Tarjan's algorithm; returns the components with more than one node."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def cycles(build, folders):
    for folder in folders:
        objs = objects_for(build, folder)
        missing = [f for f, o in objs.items() if o is None]
        if missing:
            print("%s: not built in %s: %s" % (folder, build, " ".join(missing)))
        defined, used = {}, {}
        for f, o in objs.items():
            if o:
                defined[f] = nm(o, "--defined-only")
                used[f] = nm(o, "-u")
        owner = {s: f for f, syms in defined.items() for s in syms}
        edges, why = {}, {}
        for f, syms in used.items():
            for s in syms:
                g = owner.get(s)
                if g and g != f:
                    edges.setdefault(f, set()).add(g)
                    why.setdefault((f, g), []).append(s)
        nedges = sum(len(v) for v in edges.values())
        comps = sccs(defined.keys(), edges)
        print("src/%s: %d files, %d call edges between them, %d cycle(s)"
              % (folder, len(defined), nedges, len(comps)))
        for comp in comps:
            inner = [(a, b) for a in comp for b in sorted(edges.get(a, ())) if b in comp]
            print("  cycle of %d files (%d edges): %s" % (len(comp), len(inner), " ".join(comp)))
            for a, b in inner:
                print("    %s -> %s: %s" % (a, b, " ".join(sorted(why[(a, b)])[:4])
                                           + (" ..." if len(why[(a, b)]) > 4 else "")))


def c_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if d not in ("build", ".git"))
            for f in sorted(files):
                if f.endswith(".c"):
                    yield os.path.join(root, f)


def functions(n, paths):
    spans = []
    for path in c_files(paths):
        res = subprocess.run(["ctags", "--fields=+ne", "--c-kinds=f", "-o", "-", path],
                             capture_output=True, text=True, check=True)
        for line in res.stdout.splitlines():
            fields = line.split("\t")
            line_no = end = None
            for fl in fields:
                if fl.startswith("line:"):
                    line_no = int(fl[5:])
                elif fl.startswith("end:"):
                    end = int(fl[4:])
            if line_no and end:
                spans.append((end - line_no + 1, path, fields[0]))
    spans.sort(key=lambda s: (-s[0], s[1], s[2]))
    over = sum(1 for s in spans if s[0] > 80)
    print("%d functions, %d longer than 80 lines; the %d longest:" % (len(spans), over, n))
    for length, path, name in spans[:n]:
        print("  %4d  %s:%s" % (length, path, name))


def files(paths):
    counts = {}
    longest = []
    for path in c_files(paths):
        with open(path, encoding="utf-8", errors="replace") as fh:
            nlines = sum(1 for _ in fh)
        counts[os.path.dirname(path)] = counts.get(os.path.dirname(path), 0) + 1
        longest.append((nlines, path))
    for d in sorted(counts):
        print("  %3d  %s" % (counts[d], d))
    longest.sort(reverse=True)
    print("longest files:")
    for nlines, path in longest[:10]:
        print("  %5d  %s" % (nlines, path))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    cmd = argv[1]
    if cmd == "cycles" and len(argv) >= 3:
        cycles(argv[2], argv[3:] or ["core"])
    elif cmd == "functions":
        rest = argv[2:]
        n = int(rest.pop(0)) if rest and rest[0].isdigit() else 15
        functions(n, rest or ["src", "apps"])
    elif cmd == "files":
        files(argv[2:] or ["src", "apps"])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
