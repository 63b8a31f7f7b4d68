"""The benchmark's own path (`flask matching evaluate`, `make bench`): a shared-format set is loaded through
the platform's indexing and ranked by its matcher."""

import json

from join4atmp.matching.evaluation import evaluate


def test_a_set_with_control_characters_in_its_documents_is_evaluated(tmp_path, model):
    # dblp's papers hold a few U+0095 (a mis-decoded bullet): a profile may not store it, the benchmark must run
    experts = [
        {"id": "vectors", "documents": ["Lentiviral vector \x95 comparability after a change of supplier."]},
        {"id": "knees", "documents": ["Autologous chondrocyte implants for knee cartilage defects."]},
    ]
    queries = [
        {"id": "q1", "text": "comparability of a lentiviral vector from a new supplier", "relevant": ["vectors"]},
        {"id": "q2", "text": "cartilage repair in the knee with the patient's own cells", "relevant": ["knees"]},
    ]
    for name, rows in (("experts", experts), ("queries", queries)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    results = evaluate(tmp_path, aggregations=("lse", "max"))
    assert results["lse"]["MAP"] == 1.0 and results["max"]["MAP"] == 1.0
    assert results["lse"]["queries"] == 2
