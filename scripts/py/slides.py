"""Lecture slides generated from the notebooks: one deck per notebook, one slide per section.

    python slides.py OUT_DIR [--catalog phrases.json] [--executed DIR] NOTEBOOK...

A slide is a notebook's title (with the article's quotes) or one of its `##` sections: its
heading, its blockquotes (the Predict question and the article's words), its **Why**
paragraph, the claims its cells make and the exercises it checks. Claims are the sentences
`claim("…")` states; with --executed, the lines the executed copy of the notebook printed
(`claim ✓ … — here: …`), so the slide shows this run's numbers. With --catalog (the Chinese
edition), statements and exercise names are looked up in the library's phrase catalog.
Each deck is one self-contained HTML file (no network): arrow keys, space or a click move
on; printing gives one slide per page.
"""
from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import mistune
import nbformat

from check_notebooks import CLAIM  # the one reading of claim("…") in a cell
CHECK = re.compile(r'\bcheck\(\s*("(?:[^"\\]|\\.)*")')
WHY = re.compile(r"^\*\*(Why\.|为什么。|为什么)\*\*")
markdown = mistune.create_markdown(plugins=["table", "strikethrough"])


def sections(nb) -> list[dict]:
    """The notebook cut at its `#` and `##` headings, wherever they are in a markdown cell:
    [{heading, level, markdown: [text…], code: [source…]}]."""
    found: list[dict] = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            if found:
                found[-1]["code"].append(cell.source)
            continue
        if cell.cell_type != "markdown":
            continue
        for part in re.split(r"^(?=#{1,2} )", cell.source, flags=re.M):
            heading = re.match(r"^(#{1,2}) (.+)$", part, re.M)
            if heading and part.startswith("#"):
                found.append({"heading": heading.group(2).strip(), "level": len(heading.group(1)), "markdown": [], "code": []})
                part = part[heading.end() :]
            if found and part.strip():
                found[-1]["markdown"].append(part)
    return found


def blocks(source: str) -> list[str]:
    """A markdown text's blocks (paragraphs, quotes, lists), separated by blank lines."""
    return [b.strip() for b in re.split(r"\n\s*\n", source) if b.strip()]


def printed_claims(executed) -> dict[str, str]:
    """statement's printed line → the whole line, from an executed notebook's outputs."""
    lines: dict[str, str] = {}
    for cell in executed.cells if executed else []:
        for output in cell.get("outputs", []):
            for line in "".join(output.get("text", "")).splitlines():
                marked = re.match(r"^(claim|断言) [✓✗] (.*?) — ", line)
                if marked:
                    lines[marked.group(2)] = line
    return lines


def slide(section: dict, catalog: dict, printed: dict[str, str]) -> str:
    say = lambda english: catalog.get(english) or english  # noqa: E731
    heading = re.sub(r"^<p>|</p>\s*$", "", markdown(section["heading"]).strip())  # inline: code, emphasis
    parts: list[str] = [f"<h{section['level']}>{heading}</h{section['level']}>"]
    for text in section["markdown"]:
        parts += [markdown(block) for block in blocks(text) if block.startswith(">") or WHY.match(block)]
    claims = [say(json.loads(s)) for source in section["code"] for s in CLAIM.findall(source)]
    checks = [say(json.loads(s)) for source in section["code"] for s in CHECK.findall(source)]
    if claims:
        items = "".join(f"<li>{html.escape(printed.get(c, c))}</li>" for c in claims)
        parts.append(f'<ul class="claims">{items}</ul>')
    if checks:
        parts.append('<ul class="checks">' + "".join(f"<li>✎ {html.escape(c)}</li>" for c in checks) + "</ul>")
    return f'<section class="slide">{"".join(parts)}</section>'


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{margin:0;background:#222;font-family:system-ui,"WenQuanYi Zen Hei","Noto Sans CJK SC",sans-serif}}
.slide{{display:none;box-sizing:border-box;width:100vw;height:100vh;padding:4vh 6vw;background:#fff;overflow:auto;font-size:2.6vh;line-height:1.45}}
.slide.on{{display:block}} h1{{font-size:5vh}} h2{{font-size:4vh;color:#234}}
blockquote{{margin:1.5vh 0;padding:.5vh 2vw;border-left:.6vh solid #9ab;background:#f4f7fa}}
.claims li{{list-style:none;font-family:ui-monospace,monospace;font-size:2.2vh;color:#163}} .checks li{{list-style:none;color:#642}}
code{{background:#eef;padding:0 .3em}} #n{{position:fixed;right:1vw;bottom:1vh;color:#888;font-size:1.6vh}}
@media print{{.slide{{display:block;height:auto;min-height:100vh;page-break-after:always}} #n{{display:none}}}}
</style></head><body>
{slides}
<div id="n"></div>
<script>
const slides=[...document.querySelectorAll(".slide")];let i=Math.max(0,Math.min(slides.length-1,Number(location.hash.slice(1))-1||0));
function show(k){{i=Math.max(0,Math.min(slides.length-1,k));slides.forEach((s,j)=>s.classList.toggle("on",j===i));document.getElementById("n").textContent=(i+1)+" / "+slides.length;history.replaceState(null,"","#"+(i+1));}}
addEventListener("keydown",e=>{{if(["ArrowRight","PageDown"," "].includes(e.key))show(i+1);if(["ArrowLeft","PageUp"].includes(e.key))show(i-1);}});
addEventListener("click",e=>show(e.clientX<innerWidth/3?i-1:i+1));show(i);
</script></body></html>
"""


def deck(path: Path, catalog: dict, executed_dir: Path | None) -> tuple[str, int]:
    nb = nbformat.read(path, as_version=4)
    executed_file = executed_dir / path.name if executed_dir else None
    executed = nbformat.read(executed_file, as_version=4) if executed_file and executed_file.exists() else None
    cut = sections(nb)
    body = "\n".join(slide(s, catalog, printed_claims(executed)) for s in cut)
    title = re.sub(r"[`*_]", "", cut[0]["heading"]) if cut else path.stem
    lang = "zh-CN" if catalog else "en"
    return PAGE.format(lang=lang, title=html.escape(title), slides=body), len(cut)


def main(argv: list[str]) -> int:
    args = list(argv)
    catalog: dict = {}
    executed_dir = None
    if "--catalog" in args:
        i = args.index("--catalog")
        catalog = json.loads(Path(args[i + 1]).read_text(encoding="utf-8"))
        del args[i : i + 2]
    if "--executed" in args:
        i = args.index("--executed")
        executed_dir = Path(args[i + 1])
        del args[i : i + 2]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for name in args[1:]:
        page, count = deck(Path(name), catalog, executed_dir)
        target = out / (Path(name).stem + ".slides.html")
        target.write_text(page, encoding="utf-8")
        print(f"{target} {count} slides")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
