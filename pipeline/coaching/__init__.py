"""The coaching library: moments worth copying (candidates), clips of them and playlists for teams."""

from pipeline.coaching.candidates import KINDS, Candidate, contact_candidates
from pipeline.coaching.library import find_candidates, may_see_playlist, playlist_teams

__all__ = ["KINDS", "Candidate", "contact_candidates", "find_candidates", "may_see_playlist", "playlist_teams"]
