"""Training on several devices, without TensorFlow: the spec, TF_CONFIG, the batch, summary.

The TensorFlow side (mirrored equals one device, two local workers) is
``tests/test_train_distributed.py``.
"""

from __future__ import annotations

import json

import pytest

from phazer.cli.main import main
from phazer.spec import load_spec
from phazer.spec.resume import model_defining_diff
from phazer.spec.training import DistributionSpec
from phazer.train.distribution import (
    Cluster,
    DistributionError,
    check_batch,
    parse_tf_config,
    resolve,
)
from tests.helpers import TINY_SPEC as TINY
from tests.helpers import issues_of, run_cli_fresh

TWO_WORKERS = {"cluster": {"worker": ["host1:2222", "host2:2222"]},
               "task": {"type": "worker", "index": 1}}


def test_the_spec_names_the_strategy_and_devices():
    spec = load_spec(TINY, ["training.distribution.strategy=mirrored",
                            "training.distribution.devices=2"]).spec
    assert spec.training.distribution == DistributionSpec(strategy="mirrored", devices=2)
    assert load_spec(TINY).spec.training.distribution.strategy == "default"
    issue = issues_of(TINY, ["training.distribution.devices=2"])[0]
    assert issue.path == "training.distribution.devices"
    assert "strategy default trains on one device" in issue.message
    assert "strategy: mirrored" in issue.message
    unknown = issues_of(TINY, ["training.distribution.strategy=central_storage"])[0]
    assert unknown.path == "training.distribution.strategy"


def test_distribution_may_change_on_resume():
    old = load_spec(TINY, ["training.distribution.strategy=multi_worker"]).spec
    new = load_spec(TINY, ["training.distribution.strategy=mirrored",
                           "training.distribution.devices=4", "training.batch_size=8"]).spec
    assert model_defining_diff(old, new) == []
    assert model_defining_diff(new, load_spec(TINY).spec) == []


def test_options_override_the_spec():
    spec = DistributionSpec(strategy="mirrored", devices=4)
    assert resolve(spec).devices == 4 and resolve(spec).replicas_known() == 4
    assert resolve(spec, devices=2).devices == 2
    assert resolve(spec, strategy="default").replicas_known() == 1   # devices moot then
    assert resolve(DistributionSpec(strategy="mirrored")).replicas_known() is None  # GPUs
    with pytest.raises(DistributionError, match="default trains on one device") as caught:
        resolve(DistributionSpec(), devices=2)
    assert "--strategy mirrored" in caught.value.hint
    with pytest.raises(DistributionError, match="unknown strategy 'ring'"):
        resolve(spec, strategy="ring")
    placement = resolve(DistributionSpec(strategy="multi_worker"), devices=1,
                        environ={"TF_CONFIG": json.dumps(TWO_WORKERS)})
    assert placement.replicas_known() == 2 and not placement.is_chief
    assert placement.describe(2) == "multi_worker: 2 workers x 1 device"


def test_tf_config_names_the_chief_and_refuses_a_bad_cluster():
    assert parse_tf_config(json.dumps(TWO_WORKERS)) == Cluster(2, "worker", 1, False)
    first = {**TWO_WORKERS, "task": {"type": "worker", "index": 0}}
    assert parse_tf_config(json.dumps(first)).is_chief
    with_chief = {"cluster": {"chief": ["h0:1"], "worker": ["h1:1"]},
                  "task": {"type": "worker", "index": 0}}
    cluster = parse_tf_config(json.dumps(with_chief))
    assert cluster.workers == 2 and not cluster.is_chief
    for text, expected in ((None, "TF_CONFIG environment variable"),
                           ("{oops", "not valid JSON"),
                           ('{"cluster": {}, "task": {}}', "no \"worker\""),
                           (json.dumps({**TWO_WORKERS, "task": {"type": "worker", "index": 2}}),
                            "is not a chief or worker")):
        with pytest.raises(DistributionError, match=expected) as caught:
            parse_tf_config(text)
        assert caught.value.hint


def test_a_batch_that_does_not_divide_names_the_nearest_sizes():
    assert check_batch(16, 4, "--batch-size", "mirrored over 4 devices") == 4
    with pytest.raises(DistributionError) as caught:
        check_batch(6, 4, "--batch-size", "mirrored over 4 devices")
    assert caught.value.message.startswith("--batch-size is 6, which does not divide by the "
                                           "4 replicas (mirrored over 4 devices)")
    assert caught.value.hint.startswith("use 4 or 8 (a multiple of 4) for --batch-size")
    with pytest.raises(DistributionError) as caught:
        check_batch(1, 2, "training.batch_size", "mirrored over 2 devices")
    assert caught.value.hint.startswith("use 2 (a multiple of 2) for training.batch_size")


def test_train_refuses_an_odd_batch_before_tensorflow(tmp_path, capsys):
    faces = tmp_path / "faces"        # never read: the batch is refused first
    result = run_cli_fresh("train", TINY, "--input-a", str(faces), "--input-b", str(faces),
                           "--model-dir", str(tmp_path / "m"), "--strategy", "mirrored",
                           "--devices", "4", "--batch-size", "6")
    err = result.stderr
    assert result.returncode == 1, err
    assert "phazer train: error: --batch-size is 6, which does not divide by the 4 replicas" \
        in err
    assert "hint: use 4 or 8 (a multiple of 4)" in err and "Traceback" not in err
    assert result.loaded("tensorflow") == [] and not (tmp_path / "m").exists()
    code = main(["train", TINY, "--input-a", str(faces), "--input-b", str(faces),
                 "--model-dir", str(tmp_path / "m"), "--distribute", "mirrored", "--devices",
                 "3", "--set", "training.batch_size=16"])
    err = capsys.readouterr().err
    assert code == 1 and "--distribute mirrored is deprecated" in err
    assert "training.batch_size is 16, which does not divide by the 3 replicas" in err


def _memory(capsys, *args: str) -> dict:
    assert main(["summary", TINY, "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)["memory"]


def test_summary_devices_is_the_memory_of_one_replica(capsys):
    one = _memory(capsys, "--batch-size", "16", "--gpu-memory", "2GiB")
    half = _memory(capsys, "--batch-size", "8", "--gpu-memory", "2GiB")
    two = _memory(capsys, "--batch-size", "16", "--devices", "2", "--gpu-memory", "2GiB")
    assert (one["devices"], one["per_replica_batch_size"]) == (1, 16)
    assert (two["devices"], two["per_replica_batch_size"], two["batch_size"]) == (2, 8, 16)
    for key in ("weights", "gradients", "optimizer_state", "activations", "workspace",
                "total"):
        assert two[key] == half[key], key      # a replica is batch 8 with the whole model
    assert two["weights"] == one["weights"] and two["activations"] < one["activations"]
    assert two["max_batch_size"] == 2 * one["max_batch_size"]   # the largest global batch
    spec_devices = _memory(capsys, "--set", "training.distribution.strategy=mirrored",
                           "--set", "training.distribution.devices=2")
    assert spec_devices["devices"] == 2
    assert main(["summary", TINY, "--json", "--devices", "3"]) == 1
    err = capsys.readouterr().err
    assert "training.batch_size is 16, which does not divide by the 3 replicas (--devices 3)" \
        in err and "use 15 or 18" in err
