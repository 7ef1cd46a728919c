"""`koppelkans bench forecast`: forecast speed and memory, as a ratio against a per-asset scipy loop."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import emit_json

__all__ = ["bench_forecast"]


def bench_forecast(
    n: int = typer.Option(1_000_000, "--n", help="number of generated assets to forecast"),
    naive: int = typer.Option(1_000, "--naive", help="assets in the per-asset scipy loop (extrapolated to N)"),
    renewal_rate: bool = typer.Option(
        True, "--renewal-rate/--no-renewal-rate", help="also report the sewer renewal rate of the scale-1 demo"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Seconds and peak memory of forecasting N assets (due years and 30 yearly probabilities each)."""
    from koppelkans.benchmarks.forecast import run_forecast_benchmark, sewer_renewal_rate  # imports cost seconds

    result = run_forecast_benchmark(n=n, naive_sample=naive)
    if renewal_rate:
        result["sewer_renewal_rate"] = sewer_renewal_rate()
    if as_json:
        emit_json(result)
        return
    typer.echo(
        f"forecast   {result['n']:>10,} assets  {result['seconds']:6.2f} s  "
        f"{result['assets_per_second']:>12,.0f} assets/s  peak {result['peak_traced_mb']:,.0f} MB traced, "
        f"{result['max_rss_mb']:,.0f} MB RSS (process)"
    )
    typer.echo(f"plan       {result['n']:>10,} assets  {result['plan_seconds']:6.2f} s  (financial plan on top)")
    typer.echo(
        f"naive loop {result['naive_sample']:>10,} assets  {result['naive_seconds']:6.2f} s  "
        f"→ {result['naive_extrapolated_seconds']:,.0f} s for {result['n']:,} (extrapolated)"
    )
    typer.echo(
        f"vectorised / naive speed: {result['ratio_naive_to_vectorised']:,.0f}x  "
        f"(same answers: {result['naive_p50_mismatches']} P50 differences beyond rounding, "
        f"{result['naive_p50_rounding_differences']} of one year on an exact boundary, "
        f"max probability difference {result['naive_max_probability_difference']:.1e})"
    )
    if renewal_rate:
        rate = result["sewer_renewal_rate"]
        typer.echo(
            f"sewer renewal rate {rate['years'][0]}-{rate['years'][-1]} "
            f"({rate['source']}, {rate['sewer_km']:,.0f} km): "
            f"{rate['mean_rate_pct']:.2f} %/yr of length ({rate['rate_pct'][0]:.2f} → {rate['rate_pct'][-1]:.2f}); "
            "NL 0.87 %/yr, rising to 1.85 %/yr (RIONED)"
        )
