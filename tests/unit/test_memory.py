"""gendemo/core/memory.py on this machine's glibc: the arena bound is taken and the heap can be trimmed."""

import platform

import pytest

from gendemo.core import memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_takes_the_arena_bound_and_trims():
    assert memory.bound_arenas(8)  # any positive bound is taken (8: as many as glibc gives one core)
    junk = [bytearray(1 << 20) for _ in range(32)]  # 32 MB allocated and freed: something to give back
    del junk
    memory.trim()  # True when memory went back; either way it must not fail
    assert not memory.bound_arenas(0)  # 0 leaves glibc's rule
