"""Customer value: the CRM's revenue, tenure, products and CLV per customer, tied to CX: NPS, CSAT, WoMI and
predicted CSI by value tier and segment, and the value at risk behind detractors, low predicted CSI and
silent dissatisfied desk visits, by segment and by driver."""
