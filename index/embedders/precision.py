"""Which number format the PyTorch passage encoder computes in: bfloat16 where the CPU has it, else float32.

bfloat16 matrix products run on AMX tiles (Sapphire Rapids and later) or AVX-512-BF16 units at many
times the float32 rate (``scripts/bench_embed.py --peak`` measures it); a CPU without either would
emulate them, slower than float32. So ``auto`` (the setting ``embed_precision``, environment
``POLICYQA_EMBED_PRECISION``) picks bfloat16 only when the CPU reports one of those: the kernel's
flags in ``/proc/cpuinfo`` (``amx_bf16``, ``avx512_bf16``: no PyTorch import, so opening an index
stays light), or where there is no such file PyTorch's own checks
(``torch.backends.cpu.get_cpu_capability()`` says only ``AVX512``, not which units). ``fp32``
forces float32 (as on a CPU without them), ``bf16`` forces bfloat16.

>>> resolve_precision("fp32")
'fp32'
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

__all__ = ["PRECISIONS", "cpu_bf16_features", "cpu_has_fast_bf16", "resolve_precision"]

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16")
BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo's names for the units that run bfloat16 natively


def cpu_bf16_features(cpuinfo: str | None = None) -> tuple[str, ...]:
    """The bfloat16 units among the CPU's flags (``/proc/cpuinfo``, or the text given), in :data:`BF16_FLAGS` order."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ()
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
            break
    return tuple(f for f in BF16_FLAGS if f in flags)


@lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True when the CPU runs bfloat16 products natively (AMX or AVX-512-BF16): ``/proc/cpuinfo``, else PyTorch."""
    if Path("/proc/cpuinfo").is_file():
        return bool(cpu_bf16_features())
    try:  # pragma: no cover - not Linux
        import torch.cpu

        checks = [getattr(torch.cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
        return any(bool(check()) for check in checks if callable(check))
    except (ImportError, RuntimeError):  # pragma: no cover
        return False


def resolve_precision(requested: str) -> str:
    """``fp32`` or ``bf16`` for a requested ``auto`` / ``fp32`` / ``bf16`` (see the module's docstring)."""
    if requested not in PRECISIONS:
        raise ValueError(f"embed precision must be one of {', '.join(PRECISIONS)}, got {requested!r}")
    if requested == "auto":
        return "bf16" if cpu_has_fast_bf16() else "fp32"
    if requested == "bf16" and not cpu_has_fast_bf16():
        log.warning("embed precision bf16 forced on a CPU without AMX or AVX-512-BF16: it is emulated, "
                    "slower than fp32")
    return requested
