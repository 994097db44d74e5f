"""Pupil Specific Funding (PSF), Norfolk's transition (R15-R17, seed 001 FAQ 3-7). Pure: no ORM.

What the seed says, and how this module reads it:

- R17 (FAQ 3, 7): "from September 2012 any new Statements of SEN issued ... will not generate
  PSF". A plan issued on or after the scheme's cut-over date attracts no PSF. A plan that
  continues an earlier one with no gap (a statement converted to an EHCP) keeps the earlier
  plan's standing: the chain of plans is judged by its first plan's issue date.
- R15 (FAQ 3-5): PSF "will remain in place whilst that child remains in their current phase of
  schooling" and ends "at the end of a phase, be this nursery, primary Key Stage 2, or secondary
  Key Stage 4, based on their age, not National Curriculum Year Group". The *current* phase is
  the phase the child is in by date of birth on the day before the cut-over (with no cut-over
  date: on the day the plan was issued). PSF ends on the last day of that phase
  (`schools.dates.phase_end_date`), or of the first later phase whose end the scheme says stops
  PSF. A child kept back in Year 6 still loses PSF on 31 August with their age cohort.
- R16 (FAQ 3, 4, 6): PSF ends "when children leave a school for change of home address"
  (casual admission) and on the move from nursery to Reception (the nursery phase end above);
  it "transfers with them to the receiving school" on a managed move, until the end of the phase.
  Any change of school after the cut-over that is not a managed move ends PSF on the last day at
  the old school; so does leaving the roll. Before the cut-over the historical policy applied:
  PSF followed the statement.

- R15+ (FAQ 3-6): PSF continues while the child stays in the phase. An infant -> junior transfer
  (Year 2 at an infant school, Year 3 at a junior school: both primary by date of birth) is a
  phase transfer within the primary phase and keeps PSF; so does a managed move over the summer
  (the child leaves one school in July and starts at the next in September). A gap between two
  schools of at most `MAX_MOVE_GAP` (a summer holiday) does not break the chain.

The amount (the scheme's `basis`, R15+): "the historical/current funding policy will remain in
place" (FAQ 3), so PSF starts from the pupil's *protected historical amount*, recorded per pupil
with its source. On the default basis PSF is that amount less what the current scheme already
pays for the same pupil in the same days (element 3 top-up and any other pupil lines of the
run), so the pupil is funded at the historical level and nothing (the £6,000 threshold
included) is paid twice; the other basis pays the protected amount in full. A protected pupil
with no recorded amount gets no PSF line, and the run warns, naming the pupil. Periods are paid
pro rata by school days (R7) and a pupil's periods add up to the year
(`funding.calculations.pro_rata.apportion`).

Modules (this package re-exports every public name, so callers keep `from clusters.psf import
X`):

- `rules`: constants and labels, `d`, the scheme's switches (`PsfRulesData`) and a pupil
  (`PupilData`) as plain data.
- `protection`: who has PSF and until when (`protection`, `Protection`, `NoProtection`).
- `amounts`: the money (`ProtectedAmount`, `PsfAnnual`, `annual_psf`, `element_label`,
  `no_amount_message`).
- `lines`: periods and allocation lines (`psf_periods`, `PsfInputs`, `PsfResult`, `psf_lines`,
  `lines_in_force`).
- `forecast`: the transition forecast (`YearDays`, `ProtectedPupil`, `forecast_pupil`,
  `forecast`, `Forecast`, `ForecastYear`).
"""

from clusters.psf.amounts import (
    ProtectedAmount,
    PsfAnnual,
    annual_psf,
    element_label,
    no_amount_message,
)
from clusters.psf.forecast import (
    FORECAST_YEARS,
    Forecast,
    ForecastYear,
    ProtectedPupil,
    YearDays,
    forecast,
    forecast_pupil,
)
from clusters.psf.lines import (
    PsfInputs,
    PsfPeriod,
    PsfResult,
    lines_in_force,
    psf_lines,
    psf_periods,
)
from clusters.psf.protection import NoProtection, Protection, protection
from clusters.psf.rules import (
    ADMISSION_LABELS,
    BASIS_LABELS,
    ELEMENT_LABELS,
    MAINSTREAM_KINDS,
    MANAGED_MOVE,
    MAX_MOVE_GAP,
    ONE_DAY,
    PHASE_END_LABELS,
    PHASE_TRANSFER,
    PROTECTED_AMOUNT,
    PROTECTED_LESS_CURRENT,
    PSF,
    PsfRulesData,
    PupilData,
    d,
)

__all__ = [
    "ADMISSION_LABELS",
    "BASIS_LABELS",
    "ELEMENT_LABELS",
    "FORECAST_YEARS",
    "Forecast",
    "ForecastYear",
    "MAINSTREAM_KINDS",
    "MANAGED_MOVE",
    "MAX_MOVE_GAP",
    "NoProtection",
    "ONE_DAY",
    "PHASE_END_LABELS",
    "PHASE_TRANSFER",
    "PROTECTED_AMOUNT",
    "PROTECTED_LESS_CURRENT",
    "PSF",
    "ProtectedAmount",
    "ProtectedPupil",
    "Protection",
    "PsfAnnual",
    "PsfInputs",
    "PsfPeriod",
    "PsfResult",
    "PsfRulesData",
    "PupilData",
    "YearDays",
    "annual_psf",
    "d",
    "element_label",
    "forecast",
    "forecast_pupil",
    "lines_in_force",
    "no_amount_message",
    "protection",
    "psf_lines",
    "psf_periods",
]
