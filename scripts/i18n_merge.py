#!/usr/bin/env python3
"""Merge an Odoo addon's translation template into one language's .po file.

Usage: i18n_merge.py ADDON_DIR [LANG=zh_CN]

Reads ADDON_DIR/i18n/<addon>.pot and ADDON_DIR/i18n/<LANG>.po (if present) and
rewrites the .po so that it holds every entry of the template, in the
template's order, with the template's comments, flags and references. The
msgstr of an existing entry with the same (msgctxt, msgid) is kept; entries
that are no longer in the template are dropped. The header follows Odoo's
export. The msgids still untranslated are printed one per line (newlines
escaped as \\n); the exit status is 0 unless the input cannot be read.
"""

import sys
from pathlib import Path

import polib

# Odoo writes its .pot/.po files with polib at this width: keep it so that a
# merged file diffs cleanly against a fresh export.
WRAPWIDTH = 78

# Header fields a translator maintains: kept from the existing .po if set.
TRANSLATOR_FIELDS = ("PO-Revision-Date", "Last-Translator", "Language-Team")


def build_metadata(pot, old_po, lang):
    """Return the .po header: the template's, with Language and Odoo's fixed fields."""
    metadata = {}
    for key, value in pot.metadata.items():
        metadata[key] = value
        if key == "Language-Team":
            metadata["Language"] = lang
    if old_po is not None:
        for key in TRANSLATOR_FIELDS:
            if old_po.metadata.get(key):
                metadata[key] = old_po.metadata[key]
    metadata.setdefault("Project-Id-Version", "Odoo Server 19.0")
    metadata["Language"] = lang
    metadata["Content-Type"] = "text/plain; charset=UTF-8"
    metadata.setdefault("Plural-Forms", "")
    return metadata


def merge_entry(pot_entry, old_entry):
    """Return a .po entry with the template entry's data and the old translation."""
    entry = polib.POEntry(
        msgid=pot_entry.msgid,
        msgctxt=pot_entry.msgctxt,
        msgid_plural=pot_entry.msgid_plural,
        msgstr="",
        comment=pot_entry.comment,
        tcomment=pot_entry.tcomment,
        occurrences=list(pot_entry.occurrences),
        flags=[flag for flag in pot_entry.flags if flag != "fuzzy"],
    )
    if pot_entry.msgid_plural:
        entry.msgstr_plural = dict(pot_entry.msgstr_plural) or {0: ""}
    if old_entry is None:
        return entry
    if pot_entry.msgid_plural and old_entry.msgstr_plural:
        entry.msgstr_plural = dict(old_entry.msgstr_plural)
    elif not pot_entry.msgid_plural:
        entry.msgstr = old_entry.msgstr
    if old_entry.fuzzy:
        entry.flags.append("fuzzy")
    return entry


def main(argv):
    """Merge the template into the .po file and report what is left to translate."""
    if len(argv) not in (2, 3):
        sys.exit("usage: i18n_merge.py ADDON_DIR [LANG=zh_CN]")
    addon_dir = Path(argv[1]).resolve()
    lang = argv[2] if len(argv) == 3 else "zh_CN"
    i18n_dir = addon_dir / "i18n"
    pot_path = i18n_dir / f"{addon_dir.name}.pot"
    po_path = i18n_dir / f"{lang}.po"

    pot = polib.pofile(str(pot_path), wrapwidth=WRAPWIDTH)
    old_po = polib.pofile(str(po_path), wrapwidth=WRAPWIDTH) if po_path.exists() else None
    old_entries = {}
    if old_po is not None:
        old_entries = {
            (entry.msgctxt, entry.msgid): entry for entry in old_po if not entry.obsolete
        }

    po = polib.POFile(wrapwidth=WRAPWIDTH, encoding="utf-8")
    po.header = pot.header
    po.metadata = build_metadata(pot, old_po, lang)
    for pot_entry in pot:
        if pot_entry.obsolete:
            continue
        po.append(merge_entry(pot_entry, old_entries.get((pot_entry.msgctxt, pot_entry.msgid))))
    po.save(str(po_path))

    for entry in po:
        if not entry.translated():
            print(entry.msgid.replace("\\", "\\\\").replace("\n", "\\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
