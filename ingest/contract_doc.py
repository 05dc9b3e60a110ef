"""Render docs/data-interface.md from the contract, so the document and the code never disagree.

Run ``python -m ingest.contract_doc`` to rewrite the file; a test fails when they drift apart.
"""

from __future__ import annotations

from pathlib import Path

from ingest.contract import CODE_LISTS, KINDS, LOAD_ORDER, Column

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "data-interface.md"

_TYPE_TEXT = {
    "string": "text, stored exactly as received (outer whitespace trimmed)",
    "id": "identifier: non-empty text without line breaks",
    "uscc": "统一社会信用代码: 18 characters, mod-31 check digit verified (python-stdnum `cn.uscc`)",
    "resident_id": "居民身份证: 18 characters with mod-11 check digit (X allowed, python-stdnum `cn.ric`), "
    "or masked such as `3301**********1234` (stored as `id_masked`, never used to merge persons)",
    "date": "`YYYY-MM-DD`; also accepted: `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, Excel date cells, "
    "ISO date-times (date part kept)",
    "decimal": "non-negative number, CNY; thousands separators allowed (`1,234.50`)",
    "percent": "number 0–100, optional trailing `%` (`35`, `35.5`, `35.5%`)",
    "enum": "one code of the column's code list, or its Chinese name",
    "phone": "7–15 digits after removing spaces, dashes, brackets and a `+86`/`0086` prefix",
    "bool": "`true/false`, `1/0`, `yes/no`, `y/n`, `是/否`",
}


def _col_row(c: Column) -> str:
    extra = []
    if c.codes:
        extra.append(f"codes: `{c.codes}`")
    if c.ref:
        target = f"companies or persons (by the `{c.kind_column}` column)" if c.ref == "party" else c.ref
        extra.append(f"→ {target}")
    if c.strong_id:
        extra.append(f"strong id in `{c.strong_id}`")
    desc = c.description + (f" ({'; '.join(extra)})" if extra else "")
    example = f"`{c.example}`" if c.example else ""
    return f"| `{c.name}` | {c.zh} | {c.type} | {'yes' if c.required else ''} | {desc} | {example} |"


def render() -> str:
    out: list[str] = [
        "# Data interface — the files riskgraph ingests",
        "",
        "<!-- Generated from ingest/contract.py by `python -m ingest.contract_doc`; do not edit by hand. -->",
        "",
        "riskgraph loads one file per *kind*. A file is named by its kind and a format extension: "
        "`companies.csv`, `companies.xlsx` or `companies.jsonl`. `riskgraph ingest PATH... --source NAME` "
        "takes files or folders; in a folder every file whose stem is a kind is read, others are ignored.",
        "",
        "## Formats and encodings",
        "",
        '- **CSV**: comma-separated, first line is the header, RFC 4180 quoting (`"` doubled inside quotes). '
        "Encoding is detected: UTF-8, UTF-8 with BOM (as Excel writes it), GB18030/GBK (charset-normalizer, "
        "checked by decoding strictly). A file that decodes in none of them is refused as a whole.",
        "- **XLSX**: the first worksheet, first row is the header (openpyxl). Date cells and number cells "
        "are accepted for date and number columns.",
        "- **JSON Lines** (`.jsonl`): one JSON object per line, keys are the column names; UTF-8.",
        "- Column names are matched after trimming and lower-casing; the order of columns is free; unknown "
        "extra columns are ignored (and reported). Empty cells are missing values.",
        "- A file that is not what it claims — missing required columns, binary content, empty, undecodable — "
        "is refused with one bilingual error and loads nothing; other files still load.",
        "",
        "## Identity and references",
        "",
        "- Every file has `record_id`, the row's own id in its source system. `--source NAME` + kind + "
        "`record_id` identifies a source record for ever: sending the same record again with other values "
        "updates it (earlier values are kept as history), sending it unchanged changes nothing.",
        "- Relationship files name their parties by the parties' `record_id` in the same source "
        "(`holder_ref`, `company_ref`, `person_ref`, `guarantor_ref`, `borrower_ref`, `party_ref`, "
        "`relative_ref`). Where a party may be a company or a person, a `*_kind` column (`company`/`企业`, "
        "`person`/`自然人`) says which file the reference points to. A party may also carry its strong "
        "identifier (`*_uscc`, `*_id_number`, `*_strong_id`).",
        "- A reference is satisfied when the record id is in this ingest or already in the graph (an earlier "
        "batch of the same source), or else when the strong identifier is found there. Otherwise the row is "
        "rejected (`dangling_reference`).",
        "- Loans are referenced by their business key `loan_id`.",
        "- Companies are keyed by USCC (`C:<USCC>`), persons by full resident ID (`P:<ID>`). A company without "
        "USCC or a person with only a masked ID gets a provisional key `C:<source>:<record_id>` / "
        "`P:<source>:<record_id>` until entity resolution links it.",
        "",
        f"Load order: {', '.join(LOAD_ORDER)}.",
        "",
        "## Column types",
        "",
        "| type | accepted values |",
        "|---|---|",
        *(f"| {t} | {text} |" for t, text in _TYPE_TEXT.items()),
        "",
        "## Code lists",
        "",
        "Either the code or the Chinese name is accepted; codes are also accepted in any letter case.",
        "",
    ]
    for name, table in CODE_LISTS.items():
        out.append(f"- **{name}**: " + ", ".join(f"`{code}` ({zh})" for code, zh in table.items()))
    out += ["", "## File kinds", ""]
    for fk in KINDS:
        out += [
            f"### `{fk.stem}` — {fk.zh}",
            "",
            fk.description,
            "",
            "| column | 中文 | type | required | meaning | example |",
            "|---|---|---|---|---|---|",
            *(_col_row(c) for c in fk.columns),
            "",
        ]
    out += [
        "## Validation rules and the rejects file",
        "",
        "Each row is checked; a row with any error is rejected as a whole and none of it is loaded. "
        "Rejected rows are written to the rejects file (CSV, UTF-8 with BOM so that Excel opens it) with "
        "columns `severity, file, row, record_id, field, value, rule, message_zh, message_en`. `row` is the "
        "1-based data row (header excluded). Always: rows read = rows accepted + rows rejected.",
        "",
        "| rule | meaning |",
        "|---|---|",
        "| `required` | a required value is empty |",
        "| `uscc_check_digit` | USCC has a wrong length, characters or check digit |",
        "| `resident_id_check_digit` | resident ID has a wrong length, birth date or check digit (masked IDs pass) |",
        "| `date_format` | not a date in an accepted format |",
        "| `number_format` | not a number |",
        "| `negative_amount` | an amount below zero |",
        "| `percent_range` | a percentage outside 0–100 |",
        "| `unknown_code` | a value not in the column's code list |",
        "| `phone_format` | not 7–15 digits |",
        "| `bool_format` | not a yes/no value |",
        "| `text_format` | an identifier containing a line break |",
        "| `duplicate_record_id` | the same record_id appears twice in one ingest of a kind (the later row is rejected) |",
        "| `dangling_reference` | a party or loan reference found neither in this ingest nor in the graph |",
        "| `invalid_reference` | a reference to a row that was itself rejected |",
        "",
        "Warnings do not reject a row; they are written to the same file with `severity = warning`:",
        "",
        "| rule | meaning |",
        "|---|---|",
        "| `shareholding_over_100` | the current holdings of one company in this ingest sum to more than 100% "
        "(+0.01 tolerance): every holding of that company is loaded and each is listed as a warning, because "
        "no single row can be blamed (the register may mix dates) |",
        "| `unknown_column` | the file has columns the contract does not know (ignored) |",
        "",
        "Text is data: names containing quotes, braces, Cypher or HTML are stored exactly as received; "
        "values only ever reach Neo4j as query parameters.",
        "",
        "The command exits with 0 when everything loaded, 1 when rows were rejected or files refused (all "
        "other rows are loaded), 2 when the load failed (rerun the same command to resume).",
        "",
        "## What loading does",
        "",
        "- **Provenance.** Every accepted row becomes a `SourceRecord` (key `source|kind|record_id`, the row "
        "as received in `payload`, its `content_hash`) linked `IN_BATCH` to the run's `Batch`. Golden nodes "
        "(Company, Person, Loan, BlacklistEntry) link `DERIVED_FROM` each record they were built from, with the "
        "resolver's evidence. Every node and relationship written from data carries `source`, `batch_id`, "
        "`source_file`, `source_row` of its latest supporting record and `record_keys` of all of them.",
        "- **Idempotence.** A record whose content hash is already in the graph is skipped (`unchanged`); "
        "ingesting the same files again writes nothing but a new completed `Batch`.",
        "- **History.** When a later record changes an attribute, the earlier value is kept as a "
        "`FactVersion` (`attribute`, `value` as JSON, `valid_from`, `valid_to` = the new record's "
        "`valid_from` or the batch date, `batch_id` of the earlier value, `superseded_by_batch`) linked "
        "`HAS_VERSION` from the entity; a relationship attribute (`HOLDS_SHARES.pct` …) hangs off the "
        "relationship's start node with `subject` naming the relationship. Company names also accumulate in "
        "`name_variants`. A value left empty by a later record does not erase the known one.",
        "- **Resume.** Each chunk of rows (default 10,000) is one transaction holding the facts and their "
        "SourceRecords together. A run killed at any point (process or database) leaves its `Batch` "
        "`running`; the same command again resumes that batch, skips the committed records and ends in the "
        "same graph as an uninterrupted run.",
        "- **Resolution.** Parties are keyed by the `Resolver` step: the default strong-key resolver "
        "(USCC / full resident ID, else provisional per record). Entity resolution plugs in at this step.",
        "- **Bulk first load.** `riskgraph ingest --bulk PATH... --source NAME...` runs the same reading, "
        "validation, resolution and merging, writes CSV files for `neo4j-admin database import full`, stops "
        "the local server, imports, restarts it and creates the constraints. It refuses a database that "
        "holds data (it would replace it); later batches use the normal path.",
        "",
        "Known limits: a changed relationship record that now names other parties leaves the relationship "
        "it supported before in place (its `record_keys` still name the record); two sources disagreeing on "
        "an attribute alternate it, each change kept as a FactVersion.",
        "",
    ]
    return "\n".join(out)


def main() -> None:
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}")


if __name__ == "__main__":
    main()
