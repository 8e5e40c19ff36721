"""Weighted totals and ranks for a round, in one pass over its scores (pandas).

Each component is the mean of its raters' scores, rounded to two decimals as published;
the total weighs them as the plan says. Within a post the higher total ranks first; ties go
by the plan's stated rule; applicants still equal on every key share a rank.
"""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from hrflow.policy import EDUCATION_RANK

from .models import Application, Score, TieBreak

TIE_KEYS = {
    TieBreak.INTERVIEW: ["total_score", "interview_score", "exam_score"],
    TieBreak.EXAM: ["total_score", "exam_score", "interview_score"],
    TieBreak.EDUCATION: ["total_score", "education_rank", "interview_score"],
}
CENT = Decimal("0.01")


def _round2(series: pd.Series) -> pd.Series:
    return series.map(lambda v: None if pd.isna(v) else Decimal(str(v)).quantize(CENT, rounding=ROUND_HALF_UP))


def rank_round(round) -> pd.DataFrame:
    """application_id, post_id, exam_score, interview_score, total_score (Decimal), rank, missing."""
    apps = pd.DataFrame(
        list(round.applications.filter(state=Application.State.ELIGIBLE).values_list("id", "post_id", "education")),
        columns=["application_id", "post_id", "education"],
    )
    if apps.empty:
        return apps.assign(exam_score=[], interview_score=[], total_score=[], rank=[], missing=[])
    scores = pd.DataFrame(
        list(Score.objects.filter(application_id__in=apps["application_id"].tolist()).values_list("application_id", "component", "value")),
        columns=["application_id", "component", "value"],
    )
    scores["value"] = scores["value"].astype(float)
    means = scores.pivot_table(index="application_id", columns="component", values="value", aggfunc="mean")
    means = means.reindex(columns=[Score.Component.EXAM, Score.Component.INTERVIEW])
    frame = apps.merge(means, left_on="application_id", right_index=True, how="left")
    frame["exam_score"] = _round2(frame[Score.Component.EXAM])
    frame["interview_score"] = _round2(frame[Score.Component.INTERVIEW])
    exam = frame["exam_score"].map(lambda d: np.nan if d is None else float(d))
    interview = frame["interview_score"].map(lambda d: np.nan if d is None else float(d))
    frame["missing"] = ((round.exam_weight > 0) & exam.isna()) | ((round.interview_weight > 0) & interview.isna())
    total = (exam.fillna(0) * round.exam_weight + interview.fillna(0) * round.interview_weight) / 100
    frame["total_score"] = _round2(total.where(~frame["missing"]))
    frame["education_rank"] = frame["education"].map(EDUCATION_RANK)
    keys = TIE_KEYS[round.tie_break]
    numeric = pd.DataFrame({k: frame[k].map(lambda v: -np.inf if v is None or pd.isna(v) else float(v)) for k in keys})
    numeric["post_id"] = frame["post_id"]
    ordered = numeric.sort_values(["post_id", *keys], ascending=[True] + [False] * len(keys))
    # Rank within the post: a row ties with the previous one only if every key is equal.
    same_post = ordered["post_id"].eq(ordered["post_id"].shift())
    same_keys = ordered[keys].eq(ordered[keys].shift()).all(axis=1) & same_post
    position = ordered.groupby("post_id").cumcount() + 1
    ordered["rank"] = position.where(~same_keys).ffill().astype(int)
    frame["rank"] = ordered["rank"].reindex(frame.index)
    return frame[["application_id", "post_id", "exam_score", "interview_score", "total_score", "rank", "missing"]]
