-- The leader's most common question, "what renews in the next N days, and for how much", is
-- answered from this index alone: the window, the lifecycle filter and the ARR to total.
CREATE INDEX accounts_renewal_window ON accounts(renewal_date, lifecycle, arr_minor);
