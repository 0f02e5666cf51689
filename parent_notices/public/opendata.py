"""The public events as the municipal standard open data for event lists (自治体標準オープンデータセット
「イベント一覧」): its columns, in its order, one row per event.

Encoding: UTF-8 without a BOM. The dataset is for machines first (data portals, app developers); a BOM becomes
part of the first column's name for most CSV readers (Python's ``csv`` with ``utf-8``, ``pandas`` without
``encoding="utf-8-sig"``, ``awk``), so the check "the first column is 都道府県コード又は市区町村コード" would
fail. Excel users open it through Data > From Text/CSV (UTF-8). The staff's exports (``core/exports.py``) keep
their BOM: those are for Excel. Cells are formula-safe like those exports (a cell a teacher typed that starts like
a formula is written as text), RFC 4180 line ends (CRLF).

都道府県コード又は市区町村コード (the six-digit 全国地方公共団体コード, with its check digit) is not something the
portal knows about a city: it comes from ``settings.PARENT_NOTICES_LG_CODES`` (city slug → code) or the environment
(``PARENT_NOTICES_LG_CODES="slug=code,..."``), empty when not set; 都道府県名 follows from its first two digits.
NO is stable: the notice's id and the block's id.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable

from django.conf import settings

from school_portal.core.exports import safe_cell

from .selectors import PublicEvent, plain_text

# The current definition (デジタル庁 自治体標準オープンデータセット, イベント一覧): 32 columns in this order. The
# older 推奨データセット began 全国地方公共団体コード, ID, 地方公共団体名 and had イベント名_英字. The names and
# order below are those of three independent public programs that read or publish the dataset (a city's event
# database, an RDF converter, a FIWARE exporter), compared in Dec 2026; the Digital Agency's own page was not
# reachable from here.
COLUMNS = (
    "都道府県コード又は市区町村コード",
    "NO",
    "都道府県名",
    "市区町村名",
    "イベント名",
    "イベント名_カナ",
    "イベント名_英語",
    "開始日",
    "終了日",
    "開始時間",
    "終了時間",
    "開始日時特記事項",
    "説明",
    "料金(基本)",
    "料金(詳細)",
    "連絡先名称",
    "連絡先電話番号",
    "連絡先内線番号",
    "主催者",
    "場所名称",
    "住所",
    "方書",
    "緯度",
    "経度",
    "アクセス方法",
    "駐車場情報",
    "定員",
    "参加申込終了日",
    "参加申込終了時間",
    "参加申込方法",
    "URL",
    "備考",
)

# JIS X 0401: the first two digits of a 全国地方公共団体コード name the prefecture.
PREFECTURES = dict(
    enumerate(
        "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 "
        "富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 "
        "鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 "
        "鹿児島県 沖縄県".split(),
        start=1,
    )
)


def prefecture_name(code: str) -> str:
    """The prefecture of a local government code ("271004" → 大阪府); empty for an empty or unknown code."""
    return PREFECTURES.get(int(code[:2]), "") if len(code) >= 2 and code[:2].isdigit() else ""


def lg_codes() -> dict[str, str]:
    """City slug → 全国地方公共団体コード: ``settings.PARENT_NOTICES_LG_CODES`` if set, else the environment's
    ``PARENT_NOTICES_LG_CODES="osaka=271004,..."`` (the core's settings do not name a plug-in's settings)."""
    configured = getattr(settings, "PARENT_NOTICES_LG_CODES", None)
    if configured is not None:
        return {str(slug): str(code) for slug, code in configured.items()}
    pairs = (item.partition("=") for item in os.environ.get("PARENT_NOTICES_LG_CODES", "").split(","))
    return {slug.strip(): code.strip() for slug, _, code in pairs if slug.strip() and code.strip()}


def lg_code(city_slug: str) -> str:
    return lg_codes().get(city_slug, "")


def event_row(event: PublicEvent, *, url: str) -> dict[str, str]:
    notice = event.notice
    city = notice.city
    row = dict.fromkeys(COLUMNS, "")
    code = lg_code(city.slug)
    row.update(
        {
            "都道府県コード又は市区町村コード": code,
            "NO": f"{notice.pk}-{event.block_id}",
            "都道府県名": prefecture_name(code),
            "市区町村名": city.name,
            "イベント名": event.name,
            "開始日": event.date.isoformat(),
            "終了日": event.date.isoformat(),
            "開始時間": event.starts.strftime("%H:%M") if event.starts else "",
            "終了時間": event.ends.strftime("%H:%M") if event.ends else "",
            "説明": plain_text(notice),
            "連絡先名称": event.organiser,
            "主催者": event.organiser,
            "場所名称": event.place,
            "URL": url,
            "備考": f"持ち物: {event.bring}" if event.bring else "",
        }
    )
    return row


def events_csv(events: Iterable[PublicEvent], *, url_for: Callable[[PublicEvent], str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for event in events:
        row = event_row(event, url=url_for(event))
        writer.writerow([safe_cell(row[column]) for column in COLUMNS])
    return buffer.getvalue()
