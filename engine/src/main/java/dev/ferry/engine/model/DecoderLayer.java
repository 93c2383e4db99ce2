package dev.ferry.engine.model;

import java.util.List;

/** One block of a decoder stack, as far as the choice of weight forms at load time needs to see it. */
public interface DecoderLayer {

    /** The block's dense layers in the order its forward runs them. */
    List<Linear> linears();
}
