"""Training in a separate process: a kill mid-save, and tf.distribute on two logical CPUs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import TINY_SPEC as TINY

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

# Trains one iteration and saves; trains a second and starts saving it, then dies by SIGKILL
# at the point named on the command line. Prints the weights' checksum of both iterations.
KILL_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    import numpy as np
    from rich.console import Console
    from phazer.train import journal
    from phazer.train.session import TrainOptions, prepare

    faces, model_dir, where = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    options = TrainOptions(spec=sys.argv[4], input_a=faces / "a", input_b=faces / "b",
                           model_dir=model_dir, batch_size=2, seed=0, preview=False,
                           show_bar=False, overrides=["training.xla=off"])
    prepared = prepare(options, Console(quiet=True))
    trainer = prepared.trainer
    batches = iter(prepared.dataset)
    checksum = lambda: float(sum(np.abs(np.array(w)).sum() for w in trainer.model.weights))
    trainer.train_step(*next(batches))
    trainer.save()
    first = checksum()
    trainer.train_step(*next(batches))
    print(json.dumps({"first": first, "second": checksum()}), flush=True)

    def die(*args):
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "writing":          # the weights file of the new save is half written
        import phazer.train.loop as loop
        original = loop.weights_writer
        def half(model):
            write = original(model)
            def run(path):
                write(path)
                with open(path, "r+b") as handle:
                    handle.truncate(path.stat().st_size // 2)
                die()
            return run
        loop.weights_writer = half
    else:                           # after the commit point, between two renames
        moved = []
        def install(source, target):
            if target.parent == model_dir:      # not backup/: the model dir's own save
                if moved:
                    die()
                moved.append(source.name)
            os.replace(source, target)
        journal.install_file = install
    trainer.save()
""")


def _checksum_of_saved_model(model_dir: Path) -> tuple[int, float]:
    import numpy as np

    from phazer.train.modeldir import ModelDir
    from phazer.train.swap import load_trained

    state = ModelDir(model_dir).read_state()       # recovers the interrupted save first
    model, _ = load_trained(model_dir)
    return state.iterations, float(sum(np.abs(np.array(w)).sum() for w in model.weights))


@pytest.mark.slow
@pytest.mark.parametrize(("where", "expected"), [("writing", 1), ("installing", 2)])
def test_a_process_killed_during_a_save_leaves_a_loadable_checkpoint(faces, tmp_path, where,
                                                                     expected):
    model_dir = tmp_path / "m"
    result = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(faces), str(model_dir),
                             where, TINY], capture_output=True, text=True, timeout=600)
    assert result.returncode == -9, result.stderr[-2000:]
    sums = json.loads(result.stdout.strip().splitlines()[-1])
    leftovers = {p.name for p in model_dir.iterdir()} & {".saving", ".commit"}
    assert leftovers                       # the kill really happened mid-save
    iterations, checksum = _checksum_of_saved_model(model_dir)
    assert iterations == expected
    wanted = sums["first"] if expected == 1 else sums["second"]
    assert checksum == pytest.approx(wanted, rel=1e-6)
    assert not (model_dir / ".saving").exists() and not (model_dir / ".commit").exists()


DISTRIBUTE_SCRIPT = textwrap.dedent("""
    import sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
    from phazer.cli.main import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_distribute_mirrored_trains_on_two_logical_cpus(faces, tmp_path):
    model_dir = tmp_path / "m"
    base = [sys.executable, "-c", DISTRIBUTE_SCRIPT, "train", TINY, "--input-a",
            str(faces / "a"), "--input-b", str(faces / "b"), "--model-dir", str(model_dir),
            "--distribute", "mirrored", "--no-preview", "--set", "training.xla=off"]
    result = subprocess.run([*base, "--batch-size", "4", "--iterations", "3"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "2 replicas" in result.stdout
    state = json.loads((model_dir / "state.json").read_text())
    assert state["iterations"] == 3 and state["sessions"][0]["replicas"] == 2
    odd = subprocess.run([*base, "--batch-size", "3", "--iterations", "1"],
                         capture_output=True, text=True, timeout=600)
    assert odd.returncode == 1 and "does not divide by the 2 replicas" in odd.stderr
