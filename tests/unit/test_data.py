import pytest
import torch
from support import write_idx

from gendemo.core.data import DataMissingError, load_mnist, minibatches, prepare_from


def test_loads_tiny_idx_as_one_tensor(tiny_mnist):
    d = load_mnist("train", tiny_mnist, download=False)
    assert d.images.shape == (256, 1, 28, 28) and d.images.dtype == torch.float32
    assert d.labels.shape == (256,) and d.labels.dtype == torch.long
    assert d.images.min() >= 0.0 and d.images.max() == 1.0
    # the planted bar sits at column 2*label+4
    i = 0
    col = d.images[i, 0, 10].argmax().item()
    assert col == 2 * d.labels[i].item() + 4
    t = load_mnist("test", tiny_mnist, download=False, limit=10)
    assert len(t) == 10


def test_prepare_from_gz(tmp_path):
    src = write_idx(tmp_path / "src", gz=True)
    raw = prepare_from(src, tmp_path / "root")
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    )
    assert len(load_mnist("train", tmp_path / "root", download=False)) == 256


def test_missing_data_says_how_to_prepare(tmp_path):
    try:
        load_mnist("train", tmp_path / "nothing", download=False)
    except DataMissingError as e:
        assert "python -m gendemo.data --from" in str(e)
    else:
        raise AssertionError("expected DataMissingError")


def test_minibatches_cover_epoch_once_and_split_ranks():
    g = torch.Generator().manual_seed(0)
    batches = list(minibatches(100, 10, g, "cpu"))
    assert len(batches) == 10 and sorted(torch.cat(batches).tolist()) == list(range(100))
    r0 = torch.cat(list(minibatches(100, 10, torch.Generator().manual_seed(1), "cpu", rank=0, world=2)))
    r1 = torch.cat(list(minibatches(100, 10, torch.Generator().manual_seed(1), "cpu", rank=1, world=2)))
    assert set(r0.tolist()).isdisjoint(r1.tolist()) and len(r0) + len(r1) == 100


def test_prepare_from_any_layout(tmp_path):
    # torchvision's own layout (MNIST/raw/, plain files) and a mirror's spelling (train-images.idx3-ubyte, .gz)
    write_idx(tmp_path / "a" / "MNIST" / "raw")
    assert len(load_mnist("train", prepare_from(tmp_path / "a", tmp_path / "ra").parent.parent, download=False)) == 256
    src = write_idx(tmp_path / "b" / "nested", gz=True)
    for p in src.iterdir():
        p.rename(p.with_name(p.name.replace("-idx", ".idx")))
    assert len(load_mnist("test", prepare_from(tmp_path / "b", tmp_path / "rb").parent.parent, download=False)) == 64


def test_prepare_from_names_what_is_missing(tmp_path):
    (tmp_path / "src").mkdir()
    try:
        prepare_from(tmp_path / "src", tmp_path / "root")
    except DataMissingError as e:
        assert "train-images-idx3-ubyte" in str(e) and "t10k-labels-idx1-ubyte" in str(e)
    else:
        raise AssertionError("expected DataMissingError")


def test_the_bytes_are_the_float_digits_as_stored(tiny_mnist):
    """load_mnist_bytes: the file's uint8 pixels, (N, 1, 28, 28), the same digits load_mnist gives as floats in [0, 1]
    (the live trainer and the discriminator tab hold these: a quarter of float32's memory, and no float copy made)."""
    from gendemo.core.data import load_mnist_bytes

    b, f = load_mnist_bytes("test", tiny_mnist), load_mnist("test", tiny_mnist)
    assert b.images.dtype == torch.uint8 and b.images.shape == f.images.shape and b.images.shape[1:] == (1, 28, 28)
    assert torch.equal(b.images.float() / 255, f.images) and torch.equal(b.labels, f.labels)


def test_reading_the_files_leaves_torchvision_unloaded(tiny_mnist):
    # torchvision's import loads torch.compile's machinery (~160 MB in a server); the files are read directly
    import subprocess
    import sys

    code = (
        "import sys; from gendemo.core.data import load_mnist_bytes; d = load_mnist_bytes(root=sys.argv[1]); "
        "print(len(d), 'torchvision' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tiny_mnist)], capture_output=True, text=True, check=True)
    n, loaded = out.stdout.split()
    assert int(n) > 0 and loaded == "False"


def test_a_cut_short_idx_file_is_named(tiny_mnist):
    from gendemo.core.data import read_idx

    path = tiny_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte"
    full = read_idx(path)
    assert full.dtype == torch.uint8 and full.dim() == 3 and full.shape[1:] == (28, 28)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataMissingError, match="cut short"):
        read_idx(path)
