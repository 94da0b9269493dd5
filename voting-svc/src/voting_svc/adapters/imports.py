"""MongoDB: reports of offline imports, so uploading the same file again returns the first report.

`offline_imports`: _id = "<item_id>:<import_id>", the counts and metadata; written last, it is the
mark that the import completed. `offline_import_rejects`: the refused lines in chunks of
REJECT_CHUNK (a 100,000-line file of rejects would not fit in one document), _id =
"<item_id>:<import_id>:<n>". Every read is by _id."""

from __future__ import annotations

from typing import Any

from voting_svc.domain.offline import ImportReport, Reject, RejectReason

REJECT_CHUNK = 5000
Doc = dict[str, Any]


def _key(item_id: str, import_id: str) -> str:
    return f"{item_id}:{import_id}"


class ImportReports:
    def __init__(self, db: Any) -> None:
        self.col = db.offline_imports
        self.rejects_col = db.offline_import_rejects

    async def get(self, item_id: str, import_id: str) -> ImportReport | None:
        key = _key(item_id, import_id)
        doc = await self.col.find_one({"_id": key})
        if doc is None:
            return None
        ids = [f"{key}:{n}" for n in range(int(doc.get("reject_chunks", 0)))]
        rejects: list[Reject] = []
        if ids:
            chunks = {d["_id"]: d async for d in self.rejects_col.find({"_id": {"$in": ids}})}
            for i in ids:
                for r in chunks.get(i, {}).get("rejects", []):
                    rejects.append(Reject(int(r["line"]), RejectReason(r["reason"]), r.get("message", "")))
        return ImportReport(
            import_id=doc["import_id"],
            item_id=doc["item_id"],
            kind=doc["kind"],
            source_name=doc.get("source_name", ""),
            lines=int(doc["lines"]),
            accepted=int(doc["accepted"]),
            rejects=tuple(rejects),
            imported_at=doc["imported_at"],
            imported_by=doc.get("imported_by", ""),
        )

    async def save(self, report: ImportReport) -> None:
        """Rejects first, the main document last: a crash in between leaves no completed import."""
        key = _key(report.item_id, report.import_id)
        rejects = list(report.rejects)
        n_chunks = 0
        for start in range(0, len(rejects), REJECT_CHUNK):
            part = [
                {"line": r.line, "reason": r.reason.value, **({"message": r.message} if r.message else {})}
                for r in rejects[start : start + REJECT_CHUNK]
            ]
            await self.rejects_col.replace_one({"_id": f"{key}:{n_chunks}"}, {"rejects": part}, upsert=True)
            n_chunks += 1
        await self.col.replace_one(
            {"_id": key},
            {
                "import_id": report.import_id,
                "item_id": report.item_id,
                "kind": report.kind,
                "source_name": report.source_name,
                "lines": report.lines,
                "accepted": report.accepted,
                "rejected": report.rejected,
                "reasons": report.reasons(),
                "reject_chunks": n_chunks,
                "imported_at": report.imported_at,
                "imported_by": report.imported_by,
            },
            upsert=True,
        )
