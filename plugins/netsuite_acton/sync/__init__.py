"""Pure data logic of the sync: validate, transform, diff, report. No Airflow import anywhere here.

Every function takes and returns DataFrames or small dataclasses and works on one chunk at a time, so the
operators stay small and memory stays flat. Forward, per run:

    config = load_config("include/sync.yaml"); fwd = config.forward
    validator = ContactValidator(config.expectations.contacts)             # once per task
    pass 1, per extracted chunk:
        outcome = validator.validate(chunk)                                 # GX quarantine + reasons
        cleaned = clean_contacts(outcome.valid, fwd)                        # + email_invalid quarantine
        resolver.add(dedupe_keys(cleaned.frame)); links = contact_links(cleaned.frame)
    losers = resolver.result().losers                                       # whole-run duplicate emails
    pass 2, per cleaned chunk:
        rows, not_routed = route_contacts(drop_losers(cleaned, losers), fwd)
        rows, csv_counts = make_csv_safe(rows, fwd)
        rows[ROW_HASH] = row_hashes(rows, fwd.headings)
        changed, unchanged = changed_rows(rows, store.loaded_hashes(...), email_column=fwd.email_heading)

Reverse: ScoreValidator.validate -> collect_scores -> resolve_scores -> diff_scores.
Submodules are imported directly (``from netsuite_acton.sync.cleaning import ...``); importing this
package does not import Great Expectations.
"""
