"""UI robustness suite, on a database with the demo data (`make test` builds
`rebate_test_demo` and runs it after the main tests).

Every role of the demo (sales rep, rebate manager, accountant, auditor, administrator, a
plain employee, the customer's portal user) opens every Rebates menu, action, view, filter
and record form, presses every button it sees and edits every field it may edit, through
`webclient.WebClient`, a server-side stand-in for the web client; Odoo's clickbot then
clicks through the app in Chromium as each internal role. Only user-facing errors are
acceptable. Set REBATE_UI_REPORT=/path/to/file to append, per role, every check that
passed and every refusal the server answered (e.g. buttons shown but always refused)."""
