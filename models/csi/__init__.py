"""CSI: predicted customer satisfaction (0-100) of a call or chat, and the reasons behind the number.

    >>> from features.turns import TextTurn
    >>> from models.csi import CSI_FEATURES, contact_csi_row, load_csi_model
    >>> model = load_csi_model()
    >>> row = contact_csi_row([TextTurn("agent", 0.0, 2.0, "How can I help?"),
    ...                        TextTurn("customer", 2.0, 5.0, "Thanks, all sorted!")], None)
    >>> bool(0 <= model.predict_contacts([row])[0] <= 100)
    True
"""

from models.csi.linear import CsiLinear
from models.csi.model import (
    CSI_FEATURES, CsiModel, TurnModel, contact_csi_row, csi_card, load_csi_model,
)

__all__ = ["CSI_FEATURES", "CsiLinear", "CsiModel", "CsiRegressor", "TurnModel", "contact_csi_row", "csi_card",
           "fit_csi", "load_csi_model"]


def __getattr__(name: str):
    """``CsiRegressor`` and ``fit_csi`` import scikit-learn (about a second): only when asked for, since scoring
    a contact needs neither."""
    if name == "CsiRegressor":
        from models.csi.estimator import CsiRegressor

        return CsiRegressor
    if name == "fit_csi":
        from models.csi.fit import fit_csi

        return fit_csi
    raise AttributeError(f"module 'models.csi' has no attribute {name!r}")
