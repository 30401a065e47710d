#!/usr/bin/env python3
"""XML, PO and manifest checks over both addons (make lint, pre-commit):

- every XML file parses;
- every .po/.pot file passes `msgfmt --check` (format strings, headers, plural forms);
- each manifest is a dict literal with the keys OCA expects, a 19.0.x.y.z version, and lists
  only files that exist; every XML or CSV file under data folders is listed (a file that is
  not is never loaded)."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("customer_rebate", "customer_rebate_audit")
REQUIRED = (
    "name",
    "summary",
    "version",
    "category",
    "author",
    "website",
    "maintainers",
    "development_status",
    "license",
    "depends",
    "installable",
)
DATA_FOLDERS = ("data", "views", "security", "report", "wizards", "demo")


def check_manifest(addon):
    problems = []
    manifest = ast.literal_eval((ROOT / addon / "__manifest__.py").read_text(encoding="utf-8"))
    problems += [f"{addon}: manifest lacks {key!r}" for key in REQUIRED if key not in manifest]
    if not re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", manifest.get("version", "")):
        problems.append(f"{addon}: version {manifest.get('version')!r} is not 19.0.x.y.z")
    listed = set(manifest.get("data", [])) | set(manifest.get("demo", []))
    problems += [
        f"{addon}: manifest lists missing {f}" for f in listed if not (ROOT / addon / f).is_file()
    ]
    for folder in DATA_FOLDERS:
        for path in sorted((ROOT / addon / folder).glob("*")):
            if path.suffix in (".xml", ".csv"):
                relative = str(path.relative_to(ROOT / addon))
                if relative not in listed:
                    problems.append(f"{addon}: {relative} is not in the manifest")
    return problems


def check_xml(path):
    try:
        etree.parse(str(path))
    except etree.XMLSyntaxError as error:
        return [f"{path.relative_to(ROOT)}: {error}"]
    return []


def check_po(path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        return ["msgfmt not found: install gettext (make setup does)"]
    run = subprocess.run(
        [msgfmt, "--check", "-o", "/dev/null", str(path)],
        check=False,
        capture_output=True,
        text=True,
    )
    return [f"{path.relative_to(ROOT)}: {run.stderr.strip()}"] if run.returncode else []


def main():
    problems = []
    for addon in ADDONS:
        problems += check_manifest(addon)
        for path in sorted((ROOT / addon).rglob("*.xml")):
            problems += check_xml(path)
        for path in sorted((ROOT / addon / "i18n").glob("*.po*")):
            problems += check_po(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
