package dev.ferry.engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
public class Smoke {
  public static void main(String[] a) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(1024,1024));
      long t=System.nanoTime(); NDArray y = x.matMul(x); y.toFloatArray();
      System.out.println(m.getDevice()+" "+ai.djl.engine.Engine.getInstance().getVersion()+" "+(System.nanoTime()-t)/1e6);
    }
  }
}
