"""joule.market from Python: the 35 call-auction cases, pandas clearing, the order book, the CLI."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import joule
import joule.market as jm


def _cases(test_data: Path):
    base = test_data / "market"
    return sorted(base.glob("call_auction/*.json")) + sorted(base.glob("call_auction_random/*.json"))


def test_all_35_cases_via_json(test_data):
    files = _cases(test_data)
    assert len(files) == 35
    for f in files:
        got, match = jm.clear_case(f)
        expected = json.loads(f.read_text())["expected"]
        assert got == expected, f.name
        assert match


def test_all_35_cases_via_pandas(test_data):
    for f in _cases(test_data):
        case = json.loads(f.read_text())
        # Keep raw values: malformed rows must be rejected, not "fixed".
        rows = []
        for o in case["orders"]:
            price = o["price"]
            if isinstance(price, bool):
                price = 0.5
            rows.append({"id": o["id"], "side": o["side"], "qty": o["qty"], "price": price})
        df = pd.DataFrame(rows, columns=["id", "side", "qty", "price"])
        res = jm.clear(df, case["price_min"], case["price_max"])
        assert res.expected_block() == case["expected"], f.name


def test_clear_dataframe_and_curves():
    orders = pd.DataFrame({"id": ["b1", "b2", "s1", "s2"], "side": ["buy", "buy", "sell", "sell"],
                           "qty": [10, 5, 8, 10], "price": [60, None, 40, 50]})
    res = jm.clear(orders)
    assert res.cleared and res.price is not None
    assert res.orders["fill"][res.orders["side"] == "buy"].sum() == res.volume
    assert list(res.demand.columns) == ["price", "qty"]
    assert res.demand["qty"].iloc[-1] == 15
    pab = jm.clear(orders, pricing="pay_as_bid")
    assert (pab.orders["fill"] == res.orders["fill"]).all()
    assert pab.orders.loc[0, "settle_price"] == 60
    import matplotlib

    matplotlib.use("Agg")
    ax = jm.plot_curves(res)
    assert len(ax.lines) >= 3
    with pytest.raises(joule.InvalidArgumentError):
        jm.clear(orders, price_min=10, price_max=0)


def test_order_book_events_and_types():
    book = jm.OrderBook(-1000, 1000)
    assert book.submit(1, "sell", -20, 10) == 0
    assert book.submit(2, "sell", -15, 5) == 0
    book.events()
    assert book.submit(3, "buy", -15, 12, "ioc") == 12
    ev = book.events()
    fills = [e for e in ev if e["kind"] == "fill"]
    assert [(e["other_id"], e["price"], e["qty"]) for e in fills] == [(1, -20, 10), (2, -15, 2)]
    assert book.best_ask() == (-15, 3)
    assert book.submit(4, "buy", -30, 50, "fok") == 0
    assert book.events()[-1]["reason"] == "fok_unfillable"
    assert book.submit(5, "buy", 5000, 1) == -1
    assert book.events()[-1]["reason"] == "bad_price"
    assert book.submit(6, "sell", 0, 30, "iceberg", peak=5) == 0
    assert book.depth("sell", 5)["qty"].tolist() == [3, 5]
    assert book.reduce(6, 10)
    assert book.order(6)["open"] == 20
    assert book.cancel(6) and not book.cancel(6)
    stats = book.stats()
    assert stats["volume"] == 12 and stats["live_orders"] == 1
    book.check_invariants()


def test_order_book_risk_and_stp():
    book = jm.OrderBook(0, 10_000, stp="cancel_oldest")
    book.set_limits(7, max_position_lots=10)
    assert book.submit(1, "sell", 100, 5, owner=8) == 0
    assert book.submit(2, "buy", 100, 11, owner=7) == -1
    assert book.events()[-1]["reason"] == "risk_position"
    assert book.submit(3, "buy", 100, 4, owner=7) == 4
    assert book.position(7)["net_lots"] == 4
    assert book.position(7, mark=150)["pnl"] == -400 + 4 * 150  # bought 4 @ 100, marked at 150
    assert book.submit(4, "sell", 200, 1, owner=9) == 0
    # Participant 8's own resting sell is cancelled (oldest), then it trades with 9's.
    assert book.submit(5, "buy", 200, 1, owner=8) == 1
    kinds = [(e["kind"], e["reason"]) for e in book.events()]
    assert ("cancelled", "self_trade") in kinds


def test_value_at_risk_and_sealed_bid():
    pnl = np.arange(-49, 51, dtype=float)
    r = jm.value_at_risk(pnl, 0.95)
    assert r["var"] == pytest.approx(45.0)
    assert r["expected_shortfall"] == pytest.approx(47.0)
    bids = pd.DataFrame({"bidder": ["a", "b", "c"], "amount": [500, 700, 650]})
    assert jm.sealed_bid(bids, reserve=100, rule="second_price") == ("b", 650)
    assert jm.sealed_bid(bids, reserve=100, rule="first_price") == ("b", 700)
    assert jm.sealed_bid(bids, reserve=1000) is None


def test_workload_roundtrip(tmp_path):
    path = tmp_path / "s.bin"
    exp = jm.generate_workload(str(path), 20_000)
    got = jm.replay_workload(str(path))
    for k in ("n_fills", "traded_qty", "fill_hash_fnv1a64", "final_live_orders", "final_bid_qty", "final_ask_qty"):
        assert got[k] == exp[k], k
    assert got["cancel_rejects"] == 0


def test_cli_clear_and_replay(cli, test_data, tmp_path):
    case = test_data / "market" / "call_auction" / "ca05_excess_supply_prorata_tie.json"
    out = subprocess.run([cli, "market", "clear", "--input", str(case), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(case.read_text())["expected"]
    wl = tmp_path / "std200k.bin"
    g = subprocess.run([cli, "market", "generate", "--out", str(wl), "--n", "200000"], capture_output=True, text=True)
    assert g.returncode == 0, g.stderr
    import hashlib

    # WORKLOAD.md §7: the normative SHA-256 of std200k.
    assert hashlib.sha256(wl.read_bytes()).hexdigest() == \
        "c96764574e8d3b45b2bf7355a06f2469b4d6588b8b0b200293c2334d483150d1"
    r = subprocess.run([cli, "market", "replay", "--workload", str(wl)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert o["fill_hash_fnv1a64"] == "909e418214006e7d"
    assert o["n_fills"] == 52056 and o["traded_qty"] == 1688804
    assert o["final_live_orders"] == 824 and o["final_bid_qty"] == 18587 and o["final_ask_qty"] == 22960
    assert set(o["latency_ns"]["add"]) >= {"p50", "p90", "p99", "p99.9"}
    assert o["ops_per_cpu_second"] > 0
    bad = subprocess.run([cli, "market", "clear", "--input", str(tmp_path / "missing.json")], capture_output=True)
    assert bad.returncode == 3


def _block_cases(test_data: Path):
    return sorted((test_data / "market" / "blocks").glob("*.json"))


def test_cli_blocks_cases(cli, test_data):
    """`joule market blocks`: every hand-worked block case gives its expected block, and the
    CLI agrees with clear_multi_period from Python on prices, fills and block acceptance."""
    files = _block_cases(test_data)
    assert len(files) == 3
    for f in files:
        case = json.loads(f.read_text())
        out = subprocess.run([cli, "market", "blocks", "--input", str(f), "--check"], capture_output=True, text=True)
        assert out.returncode == 0, (f.name, out.stderr)
        got = json.loads(out.stdout)
        assert got == case["expected"], f.name
        orders = pd.DataFrame([dict(o, period=p) for p, per in enumerate(case["periods"]) for o in per["orders"]])
        blocks = pd.DataFrame([{"id": b["id"], "side": b["side"], "price": b["price"], "qty": b["qty"],
                                "parent": b.get("parent"), "exclusive_group": b.get("exclusive_group"),
                                "min_acceptance_ratio": b.get("min_acceptance_ratio", 1.0)} for b in case["blocks"]])
        r = jm.clear_multi_period(orders, blocks, len(case["periods"]), price_min=case["price_min"],
                                  price_max=case["price_max"])
        assert got["welfare"] == pytest.approx(r.welfare)
        assert [p["price"] for p in got["periods"]] == [int(x) for x in r.periods["price"]]
        assert [b["ratio"] for b in got["blocks"]] == pytest.approx(list(r.blocks["ratio"]))
        assert [b["lots"] for b in got["blocks"]] == [list(map(int, x)) for x in r.blocks["lots"]]
    # The hand-worked numbers themselves (derivations in each case's description).
    lf = json.loads(subprocess.run([cli, "market", "blocks", "--input", str(test_data / "market" / "blocks" /
                                    "linked_family.json")], capture_output=True, text=True).stdout)
    assert lf["welfare"] == 480 and lf["periods"][0]["price"] == 60
    assert [(b["id"], b["accepted"], b["surplus"]) for b in lf["blocks"]] == [("parent", True, -20), ("child", True, 300)]
    ex = json.loads(subprocess.run([cli, "market", "blocks", "--input", str(test_data / "market" / "blocks" /
                                    "exclusive_group.json")], capture_output=True, text=True).stdout)
    assert ex["welfare"] == 700 and ex["periods"][0]["price"] == 65
    assert [(b["accepted"], b["paradoxically_rejected"]) for b in ex["blocks"]] == [(False, True), (True, False)]


def test_cli_blocks_errors_and_table(cli, test_data, tmp_path):
    f = test_data / "market" / "blocks" / "multi_period_average.json"
    t = subprocess.run([cli, "market", "blocks", "--input", str(f), "--format", "csv"], capture_output=True, text=True)
    assert t.returncode == 0, t.stderr
    lines = t.stdout.strip().splitlines()
    assert lines[0].startswith("id,accepted,ratio") and lines[1].startswith("blk,true,1")
    case = json.loads(f.read_text())
    # A block whose qty does not cover every period is refused and named.
    bad = dict(case, blocks=[dict(case["blocks"][0], qty=[10])])
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad))
    r = subprocess.run([cli, "market", "blocks", "--input", str(p)], capture_output=True, text=True)
    assert r.returncode != 0 and "block qty" in r.stderr and "blocks" in r.stderr
    # A parent that names no block.
    bad = dict(case, blocks=[dict(case["blocks"][0], parent="nobody")])
    p.write_text(json.dumps(bad))
    r = subprocess.run([cli, "market", "blocks", "--input", str(p)], capture_output=True, text=True)
    assert r.returncode != 0 and "parent" in r.stderr
    # A wrong expected block fails --check.
    wrong = dict(case, expected={"welfare": 1})
    p.write_text(json.dumps(wrong))
    r = subprocess.run([cli, "market", "blocks", "--input", str(p), "--check"], capture_output=True, text=True)
    assert r.returncode == 1 and "differs" in r.stderr
    # No such file.
    assert subprocess.run([cli, "market", "blocks", "--input", str(tmp_path / "missing.json")]).returncode == 3


def test_english_auction_and_community():
    bids = pd.DataFrame({"bidder": ["a", "b", "b", "c"], "amount": [1000, 1020, 1050, 9999], "time_s": [1, 2, 3, 100]})
    r = jm.english_auction(bids, reserve=1000, increment=50, close_s=100)
    assert r["winner"] == ("b", 1050)
    assert r["accepted"] == [True, False, True, False]
    members = pd.DataFrame({"id": ["pv", "flat", "shop"], "reputation": [1.0, 1.0, 1.0]})
    orders = pd.DataFrame({"start_s": [0, 0, 0], "member": ["pv", "flat", "shop"], "side": ["sell", "buy", "buy"],
                           "energy_wh": [5000, 2000, 4000], "price": [900, 2600, 2000]})
    s = jm.settle_community(members, orders, grid_fee=1000, community_discount=0.5)
    assert s["energy_conserved"] and s["money_conserved"]
    assert s["intervals"]["local_wh"].tolist() == [5000]
    flat = s["statements"].set_index("member").loc["flat"]
    assert flat["local_bought_wh"] == 2000
    assert "Statement for flat" in flat["statement"]


def test_curves_and_single_period_blocks():
    lin = jm.orders_from_curve("pv", "sell", [(10, 0), (20, 100)], linear=True)
    assert len(lin) == 10 and lin["qty"].sum() == 100 and lin["price"].iloc[0] == 11
    assert lin["id"].iloc[0] == "pv@11"
    step = jm.orders_from_curve("load", "buy", pd.DataFrame({"price": [100, 50], "qty": [5, 20]}))
    assert step["qty"].tolist() == [5, 15] and step["price"].tolist() == [100, 50]
    with pytest.raises(joule.InvalidArgumentError):
        jm.orders_from_curve("x", "buy", [(10, 5), (20, 6)])
    res = jm.clear(pd.concat([lin, step], ignore_index=True))
    assert res.volume == 20
    orders = pd.DataFrame({"id": ["b1", "s1"], "side": ["buy", "sell"], "qty": [10, 4], "price": [60, 40]})
    blocks = pd.DataFrame({"id": ["blk_big", "blk_ok"], "side": ["sell", "sell"], "qty": [20, 6], "price": [30, 45]})
    r = jm.clear_with_blocks(orders, blocks)
    assert r["blocks"]["accepted"].tolist() == [False, True]
    assert r["volume"] == 10
    assert r["orders"]["fill"].tolist() == [10, 4]


def test_multi_period_linked_and_exclusive_blocks():
    orders = pd.DataFrame({"period": [0, 0, 1, 1], "id": ["d0", "g0", "d1", "g1"],
                           "side": ["buy", "sell", "buy", "sell"], "qty": [10, 20, 10, 20],
                           "price": [60, 55, 30, 25]})
    blocks = pd.DataFrame({"id": ["blk"], "side": ["sell"], "price": [35], "qty": [[10, 10]]})
    r = jm.clear_multi_period(orders, blocks)
    assert r.periods["price"].tolist() == [55, 25]
    assert r.blocks["ratio"].tolist() == [1.0]
    assert r.blocks["lots"].iloc[0] == [10, 10]
    assert r.blocks["surplus"].tolist() == [100.0]
    assert r.orders["fill"].tolist() == [10, 0, 10, 0]
    assert r.welfare == 200.0
    # Paradoxically rejected, then curtailed to half with a minimum acceptance ratio.
    one = pd.DataFrame({"period": [0, 0, 0], "id": ["d0", "g0", "g1"], "side": ["buy", "sell", "sell"],
                        "qty": [10, 5, 5], "price": [70, 40, 65]})
    blk = pd.DataFrame({"id": ["blk"], "side": ["sell"], "price": [50], "qty": [[10]]})
    r = jm.clear_multi_period(one, blk)
    assert r.blocks["paradoxically_rejected"].tolist() == [True]
    assert r.periods["price"].tolist() == [67]
    blk["min_acceptance_ratio"] = [0.5]
    r = jm.clear_multi_period(one, blk)
    assert r.blocks["ratio"].tolist() == [0.5] and r.periods["price"].tolist() == [52]
    assert r.orders["fill"].tolist() == [10, 5, 0] and r.combinations == 7
    # Linked: the child carries its out-of-the-money parent.
    fam_orders = pd.DataFrame({"period": [0, 0], "id": ["d0", "g0"], "side": ["buy", "sell"], "qty": [20, 20],
                               "price": [70, 60]})
    fam = pd.DataFrame({"id": ["parent", "child"], "side": ["sell", "sell"], "price": [62, 30],
                        "qty": [[10], [10]], "parent": [None, "parent"]})
    r = jm.clear_multi_period(fam_orders, fam)
    assert r.blocks["ratio"].tolist() == [1.0, 1.0]
    assert r.blocks["surplus"].tolist() == [-20.0, 300.0]
    assert r.welfare == 480.0
    # Exclusive group: only B (price 65), A in the money but excluded.
    ex_orders = pd.DataFrame({"period": [0, 0], "id": ["d0", "g0"], "side": ["buy", "sell"], "qty": [20, 10],
                              "price": [70, 60]})
    ex = pd.DataFrame({"id": ["A", "B"], "side": ["sell", "sell"], "price": [20, 10], "qty": [[10], [10]],
                       "exclusive_group": [7, 7]})
    r = jm.clear_multi_period(ex_orders, ex)
    assert r.blocks["ratio"].tolist() == [0.0, 1.0]
    assert r.blocks["paradoxically_rejected"].tolist() == [True, False]
    assert r.periods["price"].tolist() == [65] and r.welfare == 700.0
    with pytest.raises(joule.InvalidArgumentError):
        jm.clear_multi_period(orders, pd.DataFrame({"id": ["x"], "side": ["sell"], "price": [1], "qty": [[0, 0]]}))
    big = pd.DataFrame({"id": ["x", "y"], "side": ["sell", "sell"], "price": [35, 35], "qty": [[10, 10], [10, 10]],
                        "min_acceptance_ratio": [0.1, 0.1]})
    with pytest.raises(joule.LimitExceededError):
        jm.clear_multi_period(orders, big, max_combinations=50)


def test_position_and_schedule_risk():
    p = jm.position_risk(2.0, 50.0, [40, 50, 60, 30], confidence=0.75)
    assert p["var"] == pytest.approx(40.0)
    w = jm.quantile_path_weights([0.1, 0.5, 0.9])
    assert w.tolist() == pytest.approx([0.3, 0.4, 0.3])
    prices = pd.DataFrame([[50, 40], [80, 20], [30, 60]], columns=["h0", "h1"])
    s = jm.schedule_risk(pd.Series([1.0, -1.0]), prices, confidence=0.9, weights=w)
    assert s["var"] == pytest.approx(48.0) and s["expected_shortfall"] == pytest.approx(48.0)
    with pytest.raises(ValueError):
        jm.schedule_risk([1.0, 2.0, 3.0], prices)
    with pytest.raises(joule.InvalidArgumentError):
        jm.quantile_path_weights([0.5, 0.4])
