"""Calibration to England 2013-2015 and validation against the record.

``calibrate()`` fits the behavioural parameters with no published value
(:mod:`gpfed.calibration.fit`); ``validate()`` runs the calibrated ``england_2013`` scenario over
replicates and compares it with every target (:mod:`gpfed.calibration.validate`). The targets,
their sources and tolerances are in :mod:`gpfed.calibration.targets`.
"""
