"""The audio endpoint reads only the range asked for from the object store (a seek locally, a ranged GET
on S3), not the bytes before it: what the store was asked for and what it gave, on each backend."""

from __future__ import annotations


class CountingStore:
    """An object store that notes each ``open`` and counts the bytes read from what it returned."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.opened: list[tuple[int, int | None]] = []
        self.bytes_read = 0

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def open(self, key, *, start=0, length=None):
        self.opened.append((start, length))
        stream, outer = self._inner.open(key, start=start, length=length), self

        class Counted:
            def read(self, size=-1):
                data = stream.read(size)
                outer.bytes_read += len(data)
                return data

            def close(self):
                stream.close()

        return Counted()


def test_only_the_range_is_read_from_the_store(object_store, tmp_path):
    from fastapi.testclient import TestClient

    from pipeline.catalog import Catalog
    from pipeline.records import Contact
    from pipeline.settings import Settings
    from pipeline.store import Store
    from pipeline.store.objects import put_bytes
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app
    from tests.web.conftest import tone_wav

    wav = tone_wav(seconds=20.0)  # 320,044 bytes
    counting = CountingStore(object_store)
    store = Store(objects=counting, catalog=Catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}"))
    put_bytes(store.objects, "raw/x.wav", wav, content_type="audio/wav")
    store.catalog.add_contact(Contact("x", "call", "/in/x.wav", "raw/x.wav"))
    _, token = add_user(store.catalog, "rita", "reviewer")
    client = TestClient(create_app(Settings(home=tmp_path), store=store))
    headers = {"Authorization": f"Bearer {token}"}
    for asked, start, length in (("bytes=300000-300099", 300_000, 100), ("bytes=-44", 320_000, 44),
                                 ("bytes=160000-", 160_000, 160_044)):
        counting.opened, counting.bytes_read = [], 0
        response = client.get("/api/contacts/x/audio", headers={**headers, "Range": asked})
        assert (response.status_code, response.content) == (206, wav[start:start + length])
        assert counting.opened == [(start, length)]
        assert counting.bytes_read == length
    store.catalog.close()
