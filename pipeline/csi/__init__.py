"""CSI: predicted customer satisfaction (0-100) of each contact, and its retraining on a site's surveys.

:mod:`~pipeline.csi.stage` is the ``csi`` stage (and the model a site uses);
:mod:`~pipeline.csi.retrain` fits that model on the site's surveyed contacts.
"""
