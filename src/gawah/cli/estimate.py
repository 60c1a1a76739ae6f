"""`gawah estimate`: multiple systems estimation of the total number of victims from a CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gawah.analysis.captures import DEFAULT_LEVEL, EstimationRefused, read_capture_csv
from gawah.analysis.lcmcr import LcmcrSettings
from gawah.cli.common import err_console, fail, print_json


class Method(StrEnum):
    AUTO = "auto"
    LOGLINEAR = "loglinear"
    LCMCR = "lcmcr"
    CHAPMAN = "chapman"


class Criterion(StrEnum):
    BIC = "bic"
    AIC = "aic"


_DEFAULTS = LcmcrSettings()


def estimate(
    captures: Annotated[
        Path,
        typer.Argument(help="CSV with one 0/1 column per list and a 'count' column.", show_default=False),
    ],
    method: Annotated[
        Method,
        typer.Option(help="auto: Chapman for two lists, latent-class (with log-linear beside) for more."),
    ] = Method.AUTO,
    seed: Annotated[int, typer.Option(help="Random seed of the latent-class sampler.")] = 0,
    criterion: Annotated[
        Criterion, typer.Option(help="Log-linear model selection criterion.")
    ] = Criterion.BIC,
    level: Annotated[float, typer.Option(help="Level of the interval.")] = DEFAULT_LEVEL,
    burn_in: Annotated[int, typer.Option(help="lcmcr: sweeps discarded per chain.")] = _DEFAULTS.burn_in,
    samples: Annotated[int, typer.Option(help="lcmcr: draws kept per chain.")] = _DEFAULTS.samples,
    thinning: Annotated[int, typer.Option(help="lcmcr: sweeps between kept draws.")] = _DEFAULTS.thinning,
    chains: Annotated[int, typer.Option(help="lcmcr: chains run side by side.")] = _DEFAULTS.chains,
    classes: Annotated[
        int, typer.Option(help="lcmcr: most latent classes (truncation).")
    ] = _DEFAULTS.classes,
    extend: Annotated[
        bool,
        typer.Option(
            "--extend/--no-extend",
            help="lcmcr: when the chains disagree (R-hat > 1.05) or give under 200 effective draws, "
            "run once more with 3x the burn-in and 2x the draws.",
        ),
    ] = True,
) -> None:
    """Estimate how many victims there were, recorded or not, from overlapping lists (JSON)."""
    settings = LcmcrSettings(
        classes=classes, burn_in=burn_in, samples=samples, thinning=thinning, chains=chains, seed=seed
    )
    try:
        table = read_capture_csv(captures)
        from gawah.analysis.estimate import estimate_population  # scipy: only when estimating

        result = estimate_population(
            table,
            method.value,
            seed=seed,
            criterion=criterion.value,
            level=level,
            lcmcr_settings=settings,
            extend=extend,
            on_extend=lambda message: err_console.print(message, highlight=False, soft_wrap=True),
        )
    except EstimationRefused as exc:
        fail(f"{captures}: no estimate: {exc}")
    output = result.as_dict()
    output["source"] = str(captures)
    print_json(output)


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate)
